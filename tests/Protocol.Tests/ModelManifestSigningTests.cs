using Pipeline.TestSupport;

namespace Pipeline.Protocol.Tests;

public sealed class ModelManifestSigningTests : IDisposable
{
    private static readonly ModelManifest Manifest = new(LearningTasks.Swing, 7, "swing-cnn", 1_700_000_000_000_000, Topics.ModelArtifact(LearningTasks.Swing, 7),
        1234, new string('a', 64), [8, 512], ["ana:draw", "ben:fade"], new ModelMetrics(0.8, 0.75, 40), "pipelined");

    private static readonly ModelManifest Chunked = Manifest with
    {
        SizeBytes = 10_000,
        Chunks = new ArtifactChunks(ArtifactChunks.MinChunkBytes, [new string('1', 64), new string('2', 64), new string('3', 64)]),
    };

    private readonly TemporaryFolder _folder = new("model-signing");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ASignedManifest_VerifiesAgainstItsKey_AndSurvivesTheWireFormat()
    {
        using var key = NewKey("trainer");
        using var trusted = TrustedModelKeys.Load(_folder.Combine("trainer", "trusted"));

        var decoded = ControlMessageCodec.DecodeModelManifest(ControlMessageCodec.Encode(ModelManifestSigning.Sign(Manifest, key)));

        Assert.True(decoded.IsSuccess, decoded.Error?.Message);
        Assert.Equal(key.KeyId, decoded.Value.Signature!.KeyId);
        Assert.Null(ModelManifestSigning.Verify(decoded.Value, trusted));
    }

    public static TheoryData<string> CoveredChanges() =>
        ["task", "version", "architecture", "inputShape", "classes", "classOrder", "artifactTopic", "sizeBytes", "sha256", "createdMicros", "keyId"];

    [Theory]
    [MemberData(nameof(CoveredChanges))]
    public void AnyChangeToWhatDecidesTheModel_AfterSigning_IsRefusedAsTampered(string field)
    {
        using var key = NewKey("trainer");
        using var trusted = TrustedModelKeys.Load(_folder.Combine("trainer", "trusted"));
        var signed = ModelManifestSigning.Sign(Manifest, key);

        var tampered = field switch
        {
            "task" => signed with { Task = LearningTasks.Droplet },
            "version" => signed with { Version = 8 },
            "architecture" => signed with { Architecture = "swing-inception" },
            "inputShape" => signed with { InputShape = [8, 256] },
            "classes" => signed with { Classes = ["ana:draw", "eve:fade"] },
            "classOrder" => signed with { Classes = ["ben:fade", "ana:draw"] },
            "artifactTopic" => signed with { ArtifactTopic = Topics.ModelArtifact(LearningTasks.Swing, 6) },
            "sizeBytes" => signed with { SizeBytes = 1235 },
            "sha256" => signed with { Sha256 = new string('b', 64) },
            "createdMicros" => signed with { CreatedMicros = Manifest.CreatedMicros + 1 },
            "keyId" => signed with { Signature = signed.Signature! with { KeyId = "0123456789abcdef" } },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.NotNull(ModelManifestSigning.Verify(tampered, trusted));
    }

    public static TheoryData<string> CoveredChunkChanges() => ["chunkBytes", "chunkHash", "chunkOrder", "chunksRemoved"];

    [Theory]
    [MemberData(nameof(CoveredChunkChanges))]
    public void AnyChangeToTheChunkList_AfterSigning_IsRefusedAsTampered(string change)
    {
        using var key = NewKey("trainer");
        using var trusted = TrustedModelKeys.Load(_folder.Combine("trainer", "trusted"));
        var signed = ModelManifestSigning.Sign(Chunked, key);
        var hashes = signed.Chunks!.Sha256;

        var tampered = change switch
        {
            "chunkBytes" => signed with { Chunks = signed.Chunks with { ChunkBytes = 5000 } },
            "chunkHash" => signed with { Chunks = signed.Chunks with { Sha256 = [hashes[0], new string('f', 64), hashes[2]] } },
            "chunkOrder" => signed with { Chunks = signed.Chunks with { Sha256 = [hashes[1], hashes[0], hashes[2]] } },
            "chunksRemoved" => signed with { Chunks = null },
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

        Assert.Null(ModelManifestSigning.Verify(signed, trusted));
        Assert.NotNull(ModelManifestSigning.Verify(tampered, trusted));
    }

    public static TheoryData<string> CoveredDecisionChanges() => ["sequence", "kind", "decisionRemoved", "decisionAdded"];

    [Theory]
    [MemberData(nameof(CoveredDecisionChanges))]
    public void AnyChangeToTheDecision_AfterSigning_IsRefusedAsTampered(string change)
    {
        using var key = NewKey("trainer");
        using var trusted = TrustedModelKeys.Load(_folder.Combine("trainer", "trusted"));
        var decided = ModelManifestSigning.Sign(Chunked with { Decision = new ModelDecision(1_780_000_000_000_000, ModelDecision.Publish) }, key);

        var tampered = change switch
        {
            "sequence" => decided with { Decision = decided.Decision! with { Sequence = long.MaxValue } },
            "kind" => decided with { Decision = decided.Decision! with { Kind = ModelDecision.Rollback } },
            "decisionRemoved" => decided with { Decision = null },
            "decisionAdded" => ModelManifestSigning.Sign(Chunked, key) with { Decision = new ModelDecision(1, ModelDecision.Promote) },
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };

        Assert.Null(ModelManifestSigning.Verify(decided, trusted));
        Assert.NotNull(ModelManifestSigning.Verify(tampered, trusted));
    }

    [Fact]
    public void AManifestWithoutChunks_EncodesAsBeforeChunkedDelivery_SoStoredSignaturesStillHold()
    {
        var canonical = System.Text.Encoding.UTF8.GetString(ModelManifestSigning.CanonicalBytes(Manifest, "0123456789abcdef"));

        Assert.Equal($"[\"pipeline/v1/model-manifest\",\"swing\",7,\"swing-cnn\",[8,512],[\"ana:draw\",\"ben:fade\"],\"pipeline/v1/models/swing/artifacts/7\",1234,\"{new string('a', 64)}\",1700000000000000,\"0123456789abcdef\"]", canonical);
    }

    [Fact]
    public void MetricsAndSchedule_AreInformation_NotCoveredBySigning()
    {
        using var key = NewKey("trainer");
        using var trusted = TrustedModelKeys.Load(_folder.Combine("trainer", "trusted"));

        var relabelled = ModelManifestSigning.Sign(Manifest, key) with { Metrics = new ModelMetrics(0.1, 0.1, 1), Schedule = "non-pipelined" };

        Assert.Null(ModelManifestSigning.Verify(relabelled, trusted));
    }

    [Fact]
    public void Unsigned_SignedByAStranger_OrWithAMangledSignature_IsRefusedNamingWhy()
    {
        using var trainer = NewKey("trainer");
        using var stranger = NewKey("stranger");
        using var trusted = TrustedModelKeys.Load(_folder.Combine("trainer", "trusted"));
        var signed = ModelManifestSigning.Sign(Manifest, trainer);

        Assert.Contains("not signed", ModelManifestSigning.Verify(Manifest, trusted));
        Assert.Contains("not trusted", ModelManifestSigning.Verify(ModelManifestSigning.Sign(Manifest, stranger), trusted));
        Assert.Contains("64 bytes", ModelManifestSigning.Verify(signed with { Signature = signed.Signature! with { Value = "bm90IGEgc2lnbmF0dXJl" } }, trusted));
        Assert.Contains("no model-signing key", ModelManifestSigning.Verify(signed, TrustedModelKeys.Load(_folder.Combine("empty"))));
    }

    [Fact]
    public void DuringARotation_BothTrustedKeysAreAccepted_AndADroppedKeyNoLonger()
    {
        using var old = NewKey("old");
        using var next = NewKey("next");
        var trustedFolder = _folder.Combine("device-trust");
        Directory.CreateDirectory(trustedFolder);
        foreach (var source in new[] { "old", "next" })
        {
            var file = Directory.EnumerateFiles(_folder.Combine(source, "trusted"), "*.pub").Single();
            File.Copy(file, Path.Combine(trustedFolder, Path.GetFileName(file)));
        }

        using (var both = TrustedModelKeys.Load(trustedFolder))
        {
            Assert.Equal(2, both.Count);
            Assert.Null(ModelManifestSigning.Verify(ModelManifestSigning.Sign(Manifest, old), both));
            Assert.Null(ModelManifestSigning.Verify(ModelManifestSigning.Sign(Manifest, next), both));
        }

        File.Delete(Path.Combine(trustedFolder, $"{old.KeyId}.pub"));
        using var afterRotation = TrustedModelKeys.Load(trustedFolder);
        Assert.NotNull(ModelManifestSigning.Verify(ModelManifestSigning.Sign(Manifest, old), afterRotation));
    }

    [Fact]
    public void AFileInTheTrustedFolderThatIsNoKey_IsSkippedAndNamed_NotTrusted()
    {
        var folder = _folder.Combine("odd-trust");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "garbage.pub"), "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");

        using var trusted = TrustedModelKeys.Load(folder);

        Assert.Equal(0, trusted.Count);
        Assert.Contains("garbage.pub", Assert.Single(trusted.Problems));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AKeyPair_IsCreatedOnce_PrivateKeyReadableByItsOwnerOnly()
    {
        using var first = NewKey("trainer");
        using var again = ModelSigningKey.Ensure(_folder.Combine("trainer", "model-signing.key"), _folder.Combine("trainer", "trusted"));

        Assert.Equal(first.KeyId, again.KeyId);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_folder.Combine("trainer", "model-signing.key")));
        Assert.Throws<InvalidDataException>(() => ModelSigningKey.Load(_folder.Combine("trainer", "trusted", $"{first.KeyId}.pub")));
    }

    [Fact]
    public void AManifestWithAMalformedSignature_IsRefusedByTheDecoder()
    {
        var json = System.Text.Encoding.UTF8.GetString(ControlMessageCodec.Encode(Manifest with { Signature = new ModelSignature("0123456789abcdef", "AAAA") }));

        var decoded = ControlMessageCodec.DecodeModelManifest(System.Text.Encoding.UTF8.GetBytes(json.Replace("0123456789abcdef", "../../etc/passwd", StringComparison.Ordinal)));

        Assert.False(decoded.IsSuccess);
        Assert.Contains("keyId", decoded.Error!.Message);
    }

    private ModelSigningKey NewKey(string name) =>
        ModelSigningKey.Ensure(_folder.Combine(name, "model-signing.key"), _folder.Combine(name, "trusted"));
}
