using System.Text;
using Pipeline.Protocol;

namespace Pipeline.Protocol.Tests;

public class ControlMessageCodecTests
{
    private static readonly SessionLabel SwingLabel =
        new("club-1", "s-0001", LearningTasks.Swing, 1_000, 2_000, new SwingLabel("p1", "fade"), null);

    private static readonly SessionLabel DropletLabel =
        new("scope-1", "s-0002", LearningTasks.Droplet, 1_000, 2_000, null, new VocLabel("acetone", 2.5f));

    private static ModelManifest Manifest() => new(
        LearningTasks.Swing, 3, "swing-cnn", 1_700_000_000_000_000, Topics.ModelArtifact(LearningTasks.Swing, 3), 1234,
        new string('a', 64), [8, 512], ["p1:fade", "p1:draw"], new ModelMetrics(0.9, 0.88, 40, null), "pipelined");

    [Fact]
    public void SessionLabel_RoundTrips_ForBothTasks()
    {
        foreach (var label in new[] { SwingLabel, DropletLabel })
        {
            var result = ControlMessageCodec.DecodeSessionLabel(ControlMessageCodec.Encode(label));
            Assert.True(result.IsSuccess, result.Error?.ToString());
            Assert.Equal(label, result.Value);
        }
    }

    [Fact]
    public void ControlMessages_UnknownFields_AreIgnored()
    {
        // A newer sender may add fields; an older reader must still read what it knows (docs/PROTOCOL.md).
        static byte[] WithExtra(byte[] json) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json).Replace("{\"", "{\"futureField\":{\"nested\":[1,\"x\"]},\"zz\":7,\"", StringComparison.Ordinal));

        var label = ControlMessageCodec.DecodeSessionLabel(WithExtra(ControlMessageCodec.Encode(SwingLabel)));
        var manifest = ControlMessageCodec.DecodeModelManifest(WithExtra(ControlMessageCodec.Encode(Manifest())));

        Assert.True(label.IsSuccess, label.Error?.ToString());
        Assert.Equal(SwingLabel, label.Value);
        Assert.True(manifest.IsSuccess, manifest.Error?.ToString());
        Assert.Equal((Manifest().Version, Manifest().Sha256, Manifest().Metrics), (manifest.Value.Version, manifest.Value.Sha256, manifest.Value.Metrics));
    }

    [Theory]
    [InlineData(64, true)]
    [InlineData(65, false)]
    public void SessionLabel_IdentifierOf64Characters_IsTheLongestAccepted(int length, bool accepted)
    {
        var id = new string('d', length);
        var json = $$$"""{"deviceId":"{{{id}}}","sessionId":"{{{id}}}","task":"swing","startMicros":1,"endMicros":5,"swing":{"player":"{{{id}}}","shape":"fade"}}""";

        var result = ControlMessageCodec.DecodeSessionLabel(Encoding.UTF8.GetBytes(json));

        Assert.Equal(accepted, result.IsSuccess);
        Assert.Equal(accepted, Identifiers.IsValid(id));
        if (!accepted)
        {
            Assert.Contains("deviceId", result.Error!.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SessionLabel_ClassName_IsPlayerAndShapeOrVoc()
    {
        Assert.Equal("p1:fade", SwingLabel.ClassName);
        Assert.Equal("acetone", DropletLabel.ClassName);
    }

    [Fact]
    public void SessionLabel_OfAnotherTask_CarriesItsClass()
    {
        var json = """{"deviceId":"tank-1","sessionId":"s-1","task":"level","startMicros":1000,"endMicros":2000,"class":"high"}""";
        var label = ControlMessageCodec.DecodeSessionLabel(Encoding.UTF8.GetBytes(json)).Value!;
        Assert.Equal("high", label.ClassName);
        Assert.Equal(json, Encoding.UTF8.GetString(ControlMessageCodec.Encode(label)));
    }

    [Fact]
    public void SessionLabel_Json_UsesTheDocumentedFieldNames()
    {
        var json = Encoding.UTF8.GetString(ControlMessageCodec.Encode(SwingLabel));
        Assert.Equal("""{"deviceId":"club-1","sessionId":"s-0001","task":"swing","startMicros":1000,"endMicros":2000,"swing":{"player":"p1","shape":"fade"}}""", json);
    }

    [Theory]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"swing","startMicros":10,"endMicros":5,"swing":{"player":"p1","shape":"fade"}}""", "endMicros")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"../golf","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"}}""", "task")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"golf","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"}}""", "exactly 'class'")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"swing","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"},"class":"p1"}""", "exactly 'swing'")]
    [InlineData("""{"deviceId":"tank-1","sessionId":"s","task":"level","startMicros":1,"endMicros":5,"class":"a b"}""", "class")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"swing","startMicros":1,"endMicros":5}""", "exactly")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"swing","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"},"voc":{"name":"acetone","concentrationPercent":2.5}}""", "exactly")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"droplet","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"},"voc":{"name":"acetone","concentrationPercent":2.5}}""", "exactly")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"droplet","startMicros":1,"endMicros":5,"voc":{"name":"acetone","concentrationPercent":250}}""", "concentrationPercent")]
    [InlineData("""{"deviceId":"../x","sessionId":"s","task":"swing","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"}}""", "deviceId")]
    [InlineData("""{"sessionId":"s","task":"swing","startMicros":1,"endMicros":5,"swing":{"player":"p1","shape":"fade"}}""", "deviceId")]
    [InlineData("""{"deviceId":"club-1",""", "not valid JSON")]
    [InlineData("""null""", "null")]
    [InlineData("""{"deviceId":"club-1","sessionId":"s","task":"swing","startMicros":"1","endMicros":5,"swing":{"player":"p1","shape":"fade"}}""", "not valid JSON")]
    public void SessionLabel_Invalid_IsRefusedNamingTheField(string json, string expected)
    {
        var result = ControlMessageCodec.DecodeSessionLabel(Encoding.UTF8.GetBytes(json));
        Assert.False(result.IsSuccess);
        Assert.Contains(expected, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversize_ControlMessage_IsRefused()
    {
        var result = ControlMessageCodec.DecodeDeviceStatus(new byte[ControlMessageCodec.MaxBytes + 1]);
        Assert.Equal(DecodeErrorCode.Oversize, result.Error!.Code);
    }

    [Fact]
    public void DeviceStatus_RoundTrips_WithStateAsText()
    {
        var status = new DeviceStatus("club-1", LearningTasks.Swing, DeviceState.Offline, 5, 0, 2, "lost connection");
        var bytes = ControlMessageCodec.Encode(status);
        Assert.Contains("\"state\":\"Offline\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(status, ControlMessageCodec.DecodeDeviceStatus(bytes).Value);
    }

    [Fact]
    public void DeviceStatus_WithRolloutFields_RoundTrips_AlsoARefusalWithoutAVersion()
    {
        var fetching = new DeviceStatus("club-1", LearningTasks.Swing, DeviceState.Online, 5, 0, 2, "fetching model v3", FetchingVersion: 3,
            LastRefusal: new ModelRefusal("refused model v2: the manifest is not signed", 2));
        var undecodable = new DeviceStatus("club-1", LearningTasks.Swing, DeviceState.Online, 5, 0, 2, null, LastRefusal: new ModelRefusal("refused a model manifest: not JSON"));

        foreach (var status in new[] { fetching, undecodable })
        {
            var decoded = ControlMessageCodec.DecodeDeviceStatus(ControlMessageCodec.Encode(status));
            Assert.True(decoded.IsSuccess, decoded.Error?.Message);
            Assert.Equal(status, decoded.Value);
        }
    }

    [Theory]
    [InlineData("{\"deviceId\":\"c\",\"task\":\"swing\",\"state\":\"Online\",\"timestampMicros\":5,\"outboxDepth\":0,\"fetchingVersion\":0}", "fetchingVersion")]
    [InlineData("{\"deviceId\":\"c\",\"task\":\"swing\",\"state\":\"Online\",\"timestampMicros\":5,\"outboxDepth\":0,\"lastRefusal\":{\"reason\":\"\"}}", "lastRefusal.reason")]
    [InlineData("{\"deviceId\":\"c\",\"task\":\"swing\",\"state\":\"Online\",\"timestampMicros\":5,\"outboxDepth\":0,\"lastRefusal\":{\"reason\":\"x\",\"version\":-1}}", "lastRefusal.version")]
    public void DeviceStatus_WithBadRolloutFields_IsRefusedNamingTheField(string json, string field)
    {
        var decoded = ControlMessageCodec.DecodeDeviceStatus(System.Text.Encoding.UTF8.GetBytes(json));

        Assert.False(decoded.IsSuccess);
        Assert.Contains(field, decoded.Error!.Message);
    }

    [Fact]
    public void DeviceStatus_UnknownState_IsRefused()
    {
        var json = """{"deviceId":"club-1","task":"swing","state":"Sleeping","timestampMicros":5,"outboxDepth":0}""";
        Assert.False(ControlMessageCodec.DecodeDeviceStatus(Encoding.UTF8.GetBytes(json)).IsSuccess);
    }

    [Fact]
    public void ModelManifest_RoundTrips()
    {
        var manifest = Manifest();
        var back = ControlMessageCodec.DecodeModelManifest(ControlMessageCodec.Encode(manifest));
        Assert.True(back.IsSuccess, back.Error?.ToString());
        Assert.Equal(manifest.Sha256, back.Value.Sha256);
        Assert.Equal(manifest.Classes, back.Value.Classes);
        Assert.Equal(manifest.InputShape, back.Value.InputShape);
        Assert.Equal(manifest.Metrics, back.Value.Metrics);
    }

    [Fact]
    public void ModelManifest_DropletAccuracy_RoundTripsAndIsOmittedWhenAbsent()
    {
        var droplet = Manifest() with { Metrics = new ModelMetrics(0.85, 0.8, 300, 0.4, 0.71) };

        Assert.Equal(droplet.Metrics, ControlMessageCodec.DecodeModelManifest(ControlMessageCodec.Encode(droplet)).Value!.Metrics);
        Assert.DoesNotContain("dropletAccuracy", Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest())), StringComparison.Ordinal);
        var error = Assert.Throws<ArgumentException>(() => ControlMessageCodec.Encode(droplet with { Metrics = droplet.Metrics with { DropletAccuracy = 1.5 } }));
        Assert.Contains("metrics.dropletAccuracy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelManifest_DropletMacroF1AndMae_RoundTripAndAreOmittedWhenAbsentAndRefusedOutOfRange()
    {
        var droplet = Manifest() with { Metrics = new ModelMetrics(0.85, 0.8, 300, 0.4, 0.71, 0.69, 0.45) };

        Assert.Equal(droplet.Metrics, ControlMessageCodec.DecodeModelManifest(ControlMessageCodec.Encode(droplet)).Value!.Metrics);
        var plain = Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest()));
        Assert.DoesNotContain("dropletMacroF1", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("dropletConcentrationMae", plain, StringComparison.Ordinal);
        Assert.Contains("metrics.dropletMacroF1", Assert.Throws<ArgumentException>(() =>
            ControlMessageCodec.Encode(droplet with { Metrics = droplet.Metrics with { DropletMacroF1 = -0.1 } })).Message, StringComparison.Ordinal);
        Assert.Contains("metrics.dropletConcentrationMae", Assert.Throws<ArgumentException>(() =>
            ControlMessageCodec.Encode(droplet with { Metrics = droplet.Metrics with { DropletConcentrationMae = double.NaN } })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelManifest_WithChunks_RoundTripsUnderTheDocumentedFieldNames()
    {
        var artifact = new byte[3 * ArtifactChunks.MinChunkBytes + 5];
        new Random(2).NextBytes(artifact);
        var manifest = Manifest() with { SizeBytes = artifact.Length, Chunks = ArtifactChunks.Of(artifact, ArtifactChunks.MinChunkBytes) };

        var json = Encoding.UTF8.GetString(ControlMessageCodec.Encode(manifest));
        var decoded = ControlMessageCodec.DecodeModelManifest(Encoding.UTF8.GetBytes(json)).Value!;

        Assert.Contains($"\"chunks\":{{\"chunkBytes\":{ArtifactChunks.MinChunkBytes},\"sha256\":[\"", json, StringComparison.Ordinal);
        Assert.Equal(manifest.Chunks!.Sha256, decoded.Chunks!.Sha256);
        Assert.Equal(4, decoded.Chunks.Count);
        Assert.Equal(artifact.AsSpan(3 * ArtifactChunks.MinChunkBytes).ToArray(), manifest.Chunks.Chunk(artifact, 3).ToArray());
        Assert.DoesNotContain("\"chunks\"", Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest())), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"chunkBytes\":4096,\"sha256\":[]}", "must list 1 chunks")]
    [InlineData("{\"chunkBytes\":100,\"sha256\":[]}", "chunks.chunkBytes 100 is outside")]
    [InlineData("{\"chunkBytes\":4096,\"sha256\":[\"XYZ\"]}", "64 lower-case hex digits")]
    [InlineData("{\"chunkBytes\":4096,\"sha256\":[null]}", "64 lower-case hex digits")]
    public void ModelManifest_BadChunkList_IsRefusedNamingIt(string chunks, string expected)
    {
        var json = Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest()));
        json = json[..^1] + ",\"chunks\":" + chunks + "}";

        var decoded = ControlMessageCodec.DecodeModelManifest(Encoding.UTF8.GetBytes(json));

        Assert.False(decoded.IsSuccess);
        Assert.Contains(expected, decoded.Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"sequence\":0,\"kind\":\"publish\"}", "decision.sequence 0 is below 1")]
    [InlineData("{\"sequence\":5,\"kind\":\"revert\"}", "decision.kind \"revert\" is not one of publish, rollback, promote")]
    [InlineData("{\"sequence\":5}", "kind")]
    public void ModelManifest_BadDecision_IsRefusedNamingIt(string decision, string expected)
    {
        var json = Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest()));
        json = json[..^1] + ",\"decision\":" + decision + "}";

        var decoded = ControlMessageCodec.DecodeModelManifest(Encoding.UTF8.GetBytes(json));

        Assert.False(decoded.IsSuccess);
        Assert.Contains(expected, decoded.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelManifest_Decision_RoundTrips_AndItsSequenceOrdersAnnouncements()
    {
        var decided = Manifest() with { Decision = new ModelDecision(1_780_000_000_000_000, ModelDecision.Rollback) };

        var decoded = ControlMessageCodec.DecodeModelManifest(ControlMessageCodec.Encode(decided)).Value!;

        Assert.Equal(decided.Decision, decoded.Decision);
        Assert.Equal(1_780_000_000_000_000, decoded.DecisionSequence);
        Assert.Equal(0, Manifest().DecisionSequence);
        Assert.DoesNotContain("decisionSequence", Encoding.UTF8.GetString(ControlMessageCodec.Encode(decided)), StringComparison.Ordinal);
        Assert.Equal(1_780_000_000_000_001, ModelDecision.NextSequence(1_780_000_000_000_000, 1_700_000_000_000_000));
    }

    [Fact]
    public void ArtifactChunks_GrowBeyondThePreferredSize_RatherThanExceedTheMostChunks()
    {
        Assert.Equal(ArtifactChunks.DefaultChunkBytes, ArtifactChunks.ChunkBytesFor(5_000_000, ArtifactChunks.DefaultChunkBytes));
        Assert.Equal(1024 * 1024, ArtifactChunks.ChunkBytesFor(512L * 1024 * 1024, ArtifactChunks.DefaultChunkBytes));
        Assert.Equal(ArtifactChunks.MaxChunks, ArtifactChunks.CountFor(512L * 1024 * 1024, 1024 * 1024));
    }

    [Fact]
    public void ModelManifest_ArtifactTopicForAnotherVersion_IsRefused()
    {
        var bad = Manifest() with { ArtifactTopic = Topics.ModelArtifact(LearningTasks.Swing, 2) };
        Assert.Throws<ArgumentException>(() => ControlMessageCodec.Encode(bad));
    }

    [Theory]
    [InlineData("sha256", "\"ABC\"")]
    [InlineData("version", "0")]
    [InlineData("sizeBytes", "-1")]
    [InlineData("classes", "[\"a\"]")]
    public void ModelManifest_BadField_IsRefused(string field, string value)
    {
        var json = Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest()));
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        node[field] = System.Text.Json.Nodes.JsonNode.Parse(value);

        var result = ControlMessageCodec.DecodeModelManifest(Encoding.UTF8.GetBytes(node.ToJsonString()));

        Assert.False(result.IsSuccess);
        Assert.Contains(field, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Prediction_RoundTrips_AndRejectsConfidenceAboveOne()
    {
        var prediction = new Prediction("club-1", LearningTasks.Swing, 1, 10, "p1:fade", 0.7f, 1.5, "p1:draw", null);
        Assert.Equal(prediction, ControlMessageCodec.DecodePrediction(ControlMessageCodec.Encode(prediction)).Value);
        Assert.Throws<ArgumentException>(() => ControlMessageCodec.Encode(prediction with { Confidence = 1.5f }));
    }

    [Fact]
    public void Prediction_WithDroplets_RoundTripsUnderTheDocumentedFieldNames()
    {
        var prediction = DropletPrediction();

        var encoded = ControlMessageCodec.Encode(prediction);
        var decoded = ControlMessageCodec.DecodePrediction(encoded).Value!;

        Assert.Equal(prediction with { Droplets = null }, decoded with { Droplets = null });
        Assert.Equal(prediction.Droplets, decoded.Droplets);
        var json = Encoding.UTF8.GetString(encoded);
        Assert.Contains("\"droplets\":[{\"centreX\":20.5,\"centreY\":12,\"diameter\":14,\"predictedClass\":\"acetone\",\"confidence\":0.75}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Prediction_WithoutDroplets_OmitsTheFieldSoOlderReadersSeeTheSameJson()
    {
        var json = Encoding.UTF8.GetString(ControlMessageCodec.Encode(DropletPrediction() with { Droplets = null }));

        Assert.DoesNotContain("droplets", json, StringComparison.Ordinal);
        Assert.True(ControlMessageCodec.DecodePrediction(Encoding.UTF8.GetBytes(json)).IsSuccess);
    }

    [Theory]
    [InlineData("{\"centreX\":-1,\"centreY\":1,\"diameter\":3,\"predictedClass\":\"acetone\",\"confidence\":0.5}", "droplets[0].centreX")]
    [InlineData("{\"centreX\":1,\"centreY\":1,\"diameter\":0,\"predictedClass\":\"acetone\",\"confidence\":0.5}", "droplets[0].diameter")]
    [InlineData("{\"centreX\":1,\"centreY\":1,\"diameter\":3,\"predictedClass\":\"acetone\",\"confidence\":1.5}", "droplets[0].confidence")]
    [InlineData("{\"centreX\":1,\"centreY\":1,\"diameter\":3,\"predictedClass\":\"\",\"confidence\":0.5}", "droplets[0].predictedClass")]
    [InlineData("null", "droplets[0]")]
    public void Prediction_BadDroplet_IsRefusedNamingTheField(string droplet, string field)
    {
        var result = DecodeWithDroplets($"[{droplet}]");

        Assert.False(result.IsSuccess);
        Assert.Contains(field, result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"centreX\":\"left\"}")]
    [InlineData("[1,2,3]")]
    [InlineData("[{\"centreX\":1,\"centreY\":1,\"diameter\":3,\"confidence\":0.5}]")]
    public void Prediction_MalformedDroplets_AreRefusedNotThrown(string droplets)
    {
        Assert.False(DecodeWithDroplets(droplets).IsSuccess);
    }

    [Fact]
    public void Prediction_TooManyDroplets_IsRefused()
    {
        var many = string.Join(",", Enumerable.Repeat("{\"centreX\":1,\"centreY\":1,\"diameter\":3,\"predictedClass\":\"acetone\",\"confidence\":0.5}", Prediction.MaxDroplets + 1));

        var result = DecodeWithDroplets($"[{many}]");

        Assert.False(result.IsSuccess);
        Assert.Contains("droplets holds", result.Error.Message, StringComparison.Ordinal);
    }

    private static Prediction DropletPrediction() =>
        new("scope-1", LearningTasks.Droplet, 2, 10, "acetone", 0.6f, 3.5, "acetone", 2.1f,
            [new DropletPrediction(20.5f, 12f, 14f, "acetone", 0.75f), new DropletPrediction(40f, 44f, 18f, "toluene", 0.5f)]);

    private static DecodeResult<Prediction> DecodeWithDroplets(string droplets)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(ControlMessageCodec.Encode(DropletPrediction() with { Droplets = null }))!;
        node["droplets"] = System.Text.Json.Nodes.JsonNode.Parse(droplets);
        return ControlMessageCodec.DecodePrediction(Encoding.UTF8.GetBytes(node.ToJsonString()));
    }
}
