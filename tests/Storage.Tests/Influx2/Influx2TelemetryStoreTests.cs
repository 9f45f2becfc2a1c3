using System.Net;
using System.Security.Cryptography;
using Pipeline.Protocol;
using Pipeline.Storage.Influx;
using Pipeline.Storage.Influx2;
using Pipeline.TestSupport;
using static Pipeline.Storage.Tests.TelemetrySamples;

namespace Pipeline.Storage.Tests.Influx2;

/// <summary>
/// The InfluxDB 2.x store through the real InfluxDB.Client against a real local HTTP listener: the exact requests it
/// sends, how it reads annotated CSV, and how server errors surface. No 2.x server is installable here, so the answers
/// are scripted from InfluxDB 2.x's documented API (docs/STORAGE.md says what this does and does not prove).
/// </summary>
public sealed class Influx2TelemetryStoreTests : IAsyncDisposable
{
    private const string Token = "s3cr3t-t0ken==";
    private const string Org = "lab org";
    private const string Bucket = "telemetry";

    private static readonly (string, string)[] MotionColumns =
        [("_time", "dateTime:RFC3339"), ("device", "string"), ("stream", "string"), .. MotionChannels.Names.Select(n => (n, "double"))];

    private readonly InfluxApiListener _server = new();
    private readonly TemporaryFolder _blobs = new("influx2-blobs");

    private static CancellationToken None => CancellationToken.None;

    private Influx2Options Options => new()
    {
        Url = _server.Url,
        Token = Token,
        Org = Org,
        Bucket = Bucket,
        BlobFolder = _blobs.Path,
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _blobs.Dispose();
    }

    [Fact]
    public async Task WriteMotion_PostsSamplesThenCompletionMarks_ToApiV2Write_AtMicrosecondPrecision()
    {
        await using var store = new Influx2TelemetryStore(Options);

        Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 1, T0, samples: 2)], None));

        var writes = _server.Writes;
        Assert.Equal(2, writes.Count);
        foreach (var write in writes)
        {
            Assert.Equal("POST", write.Method);
            Assert.Equal(new Dictionary<string, string> { ["org"] = Org, ["bucket"] = Bucket, ["precision"] = "us" }, write.Query);
            Assert.Equal($"Token {Token}", write.Header("Authorization"));
            Assert.StartsWith("text/plain", write.Header("Content-Type"), StringComparison.Ordinal);
            Assert.NotEqual("gzip", write.Header("Content-Encoding"));
        }

        Assert.Equal(
            "motion,device=club-1,stream=1 strain1=125,strain2=125.125,accel_x=125.25,accel_y=125.375,accel_z=125.5,gyro_x=125.625,gyro_y=125.75,gyro_z=125.875,seq=1i 1700000000000000\n" +
            "motion,device=club-1,stream=1 strain1=126,strain2=126.125,accel_x=126.25,accel_y=126.375,accel_z=126.5,gyro_x=126.625,gyro_y=126.75,gyro_z=126.875,seq=1i 1700000000001000\n",
            writes[0].Body);
        Assert.Equal("motion,device=club-1,stream=1 seq=1i,batch_samples=2i 1700000000000000\n", writes[1].Body);
    }

    [Fact]
    public async Task WriteMotion_AsksWhichBatchesAreStored_WithAFluxQueryOverTheirTimeSpan()
    {
        await using var store = new Influx2TelemetryStore(Options);

        await store.WriteMotionAsync([Motion("club-1", 1, T0), Motion("club-2", 5, T0 + 7)], None);

        var query = Assert.Single(_server.Queries);
        Assert.Equal("POST", query.Method);
        Assert.Equal(new Dictionary<string, string> { ["org"] = Org }, query.Query);
        Assert.Equal($"Token {Token}", query.Header("Authorization"));
        Assert.Equal(
            """
            from(bucket: "telemetry")
              |> range(start: time(v: 1700000000000000000), stop: time(v: 1700000000000008000))
              |> filter(fn: (r) => r._measurement == "motion" and (r.device == "club-1" or r.device == "club-2"))
              |> filter(fn: (r) => r._field == "seq" or r._field == "batch_samples")
              |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
              |> filter(fn: (r) => exists r.batch_samples)
              |> keep(columns: ["device", "stream", "seq"])
            """.ReplaceLineEndings("\n"),
            query.FluxQuery.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task WriteMotion_BatchesTheServerHolds_AreNeitherWrittenNorCounted()
    {
        _server.Answer = request => request.Path == "/api/v2/write"
            ? ScriptedAnswer.NoContent
            : ScriptedAnswer.Csv(new AnnotatedCsv().Table("_result", [("device", "string"), ("stream", "string"), ("seq", "long")], ["club-1", "1", 1L]).ToString());
        await using var store = new Influx2TelemetryStore(Options);

        Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 1, T0), Motion("club-1", 2, T0 + 4000)], None));

        Assert.All(_server.Writes, w => Assert.DoesNotContain("seq=1i", w.Body, StringComparison.Ordinal));
        Assert.Equal("motion,device=club-1,stream=1 seq=2i,batch_samples=4i 1700000000004000\n", _server.Writes[^1].Body);
    }

    [Fact]
    public async Task WriteMotion_SplitsLargeWrites_IntoRequestsOfAtMostMaxPointsPerWrite()
    {
        await using var store = new Influx2TelemetryStore(new Influx2Options
        {
            Url = _server.Url, Token = Token, Org = Org, Bucket = Bucket, BlobFolder = _blobs.Path, MaxPointsPerWrite = 3,
        });

        await store.WriteMotionAsync([Motion("club-1", 1, T0, samples: 7)], None);

        Assert.Equal([3, 3, 1, 1], _server.Writes.Select(w => w.Body.Count(c => c == '\n')));
    }

    [Fact]
    public async Task WriteFrames_PutsPixelsInTheBlobFolder_AndOnlyTheirHashInLineProtocol()
    {
        var frame = Frame("scope-1", 3, T0, seed: 9, new FrameLabel("acetone", 2f), 0.75f);
        var hash = Convert.ToHexStringLower(SHA256.HashData(frame.Pixels));
        await using var store = new Influx2TelemetryStore(Options);

        Assert.Equal(1, await store.WriteFramesAsync([frame], None));

        var write = Assert.Single(_server.Writes);
        Assert.Equal(
            $"frames,device=scope-1,stream=7 seq=3i,width=6i,height=4i,format=1i,blob=\"{hash}\",label=\"acetone\",concentration=2,degradation=0.75 1700000000000000\n",
            write.Body);
        Assert.Equal(frame.Pixels, await File.ReadAllBytesAsync(Path.Combine(_blobs.Path, hash[..2], hash)));
        Assert.Contains("r._field == \"seq\" or r._field == \"width\"", Assert.Single(_server.Queries).FluxQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRecords_AsksWhichOfThatKindAreStored_ThenPutsPayloadsInTheBlobFolderAndOnlyTheirHashInLineProtocol()
    {
        var record = Record("band-1", 5, T0 + 7, stream: 2);
        var hash = Convert.ToHexStringLower(SHA256.HashData(record.Payload));
        await using var store = new Influx2TelemetryStore(Options);

        Assert.Equal(2, await store.WriteRecordsAsync([Record("band-2", 1, T0), record, record], None));

        Assert.Equal(
            """
            from(bucket: "telemetry")
              |> range(start: time(v: 1700000000000000000), stop: time(v: 1700000000000008000))
              |> filter(fn: (r) => r._measurement == "records" and (r.device == "band-1" or r.device == "band-2") and r.kind == "gait")
              |> filter(fn: (r) => r._field == "seq" or r._field == "bytes")
              |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
              |> filter(fn: (r) => exists r.bytes)
              |> keep(columns: ["device", "stream", "seq"])
            """.ReplaceLineEndings("\n"),
            Assert.Single(_server.Queries).FluxQuery.ReplaceLineEndings("\n"));
        Assert.EndsWith(
            $"records,device=band-1,kind=gait,stream=2 seq=5i,bytes={record.Payload.Length}i,blob=\"{hash}\" 1700000000000007\n",
            Assert.Single(_server.Writes).Body,
            StringComparison.Ordinal);
        Assert.Equal(record.Payload, await File.ReadAllBytesAsync(Path.Combine(_blobs.Path, hash[..2], hash)));
    }

    [Fact]
    public async Task WriteRecords_OfTwoKinds_AskOnceForEachKind_AndSkipWhatTheServerHolds()
    {
        _server.Answer = request => request.Path == "/api/v2/write"
            ? ScriptedAnswer.NoContent
            : ScriptedAnswer.Csv(request.FluxQuery.Contains("r.kind == \"gait\"", StringComparison.Ordinal)
                ? new AnnotatedCsv().Table("_result", [("device", "string"), ("stream", "string"), ("seq", "long")], ["band-1", "3", 1L]).ToString()
                : InfluxApiListener.EmptyCsv);
        await using var store = new Influx2TelemetryStore(Options);

        Assert.Equal(2, await store.WriteRecordsAsync([Record("band-1", 1, T0), Record("band-1", 1, T0, kind: "heart"), Record("band-1", 2, T0 + 1)], None));

        Assert.Equal(2, _server.Queries.Count);
        var body = Assert.Single(_server.Writes).Body;
        Assert.Equal(2, body.Count(c => c == '\n'));
        Assert.Contains("records,device=band-1,kind=heart,stream=3 seq=1i,", body, StringComparison.Ordinal);
        Assert.Contains("records,device=band-1,kind=gait,stream=3 seq=2i,", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape", 8, T0, "record kind \"../escape\"")]
    [InlineData("gait", 0, T0, "payload of 0 bytes")]
    [InlineData("gait", 8, long.MinValue, "outside InfluxDB's range")]
    public async Task WriteRecords_InvalidRecord_IsRefusedBeforeAnyRequest(string kind, int payloadBytes, long micros, string problem)
    {
        await using var store = new Influx2TelemetryStore(Options);

        var error = await Assert.ThrowsAsync<InvalidTelemetryException>(async () =>
            await store.WriteRecordsAsync([Record("band-1", 1, T0), new TelemetryRecord(kind, "band-1", 3, 2, micros, new byte[payloadBytes])], None));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task ReadRecords_ParsesCsv_TakesPayloadsFromTheBlobFolder_InTimeThenStreamOrder()
    {
        var late = Record("band-1", 2, T0 + 10, stream: 1);
        var tieOnStream2 = Record("band-1", 1, T0, stream: 2);
        var tieOnStream1 = Record("band-1", 1, T0, stream: 1);
        await using var store = new Influx2TelemetryStore(Options);
        await store.WriteRecordsAsync([late, tieOnStream2, tieOnStream1], None);
        object?[] Row(TelemetryRecord r) =>
            [AnnotatedCsv.Time(r.TimestampMicros), "band-1", "gait", r.StreamId.ToString(System.Globalization.CultureInfo.InvariantCulture), (long)r.Sequence,
             (long)r.Payload.Length, Convert.ToHexStringLower(SHA256.HashData(r.Payload))];
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv().Table("_result",
            [("_time", "dateTime:RFC3339"), ("device", "string"), ("kind", "string"), ("stream", "string"), ("seq", "long"), ("bytes", "long"), ("blob", "string")],
            Row(late), Row(tieOnStream2), Row(tieOnStream1)).ToString());

        var records = await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 100, None);

        AssertSameRecords([tieOnStream1, tieOnStream2, late], records);
        var flux = _server.Queries[^1].FluxQuery;
        Assert.Contains("|> range(start: time(v: 1700000000000000000), stop: time(v: 1700000000000100000))", flux, StringComparison.Ordinal);
        Assert.Contains("r._measurement == \"records\" and r.device == \"band-1\" and r.kind == \"gait\"", flux, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteLabel_NewSession_ChecksDeviceAndSessionOverAllTime_ThenWritesOnePoint()
    {
        await using var store = new Influx2TelemetryStore(Options);

        Assert.True(await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None));

        Assert.Equal(
            """
            from(bucket: "telemetry")
              |> range(start: time(v: -9223372036854774000), stop: time(v: 9223372036854775000))
              |> filter(fn: (r) => r._measurement == "labels" and r.device == "club-1" and r.session == "s1" and r._field == "end_us")
              |> limit(n: 1)
            """.ReplaceLineEndings("\n"),
            Assert.Single(_server.Queries).FluxQuery.ReplaceLineEndings("\n"));
        Assert.Equal("labels,device=club-1,session=s1,task=swing end_us=1700000001000000i,player=\"ana\",shape=\"slice\" 1700000000000000\n", Assert.Single(_server.Writes).Body);
    }

    [Fact]
    public async Task WriteLabel_SessionTheServerHolds_ReturnsFalseAndWritesNothing()
    {
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv()
            .Table("_result", [("_time", "dateTime:RFC3339"), ("_value", "long"), ("_field", "string")], [AnnotatedCsv.Time(T0), T0 + 1_000_000, "end_us"]).ToString());
        await using var store = new Influx2TelemetryStore(Options);

        Assert.False(await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None));

        Assert.Empty(_server.Writes);
    }

    [Fact]
    public async Task EveryBackend_WritesByteIdenticalLineProtocol()
    {
        // The 1.x store talks to the same listener; InfluxQL answers are scripted as influxd 1.x gives them.
        _server.Answer = request => request.Path switch
        {
            "/api/v2/write" or "/write" => ScriptedAnswer.NoContent,
            "/query" => new ScriptedAnswer(200, """{"results":[{"statement_id":0}]}""" + "\n"),
            _ => ScriptedAnswer.Csv(InfluxApiListener.EmptyCsv),
        };
        var batch = Motion("club-1", 4, T0, samples: 3);
        var frame = Frame("scope-1", 2, T0, seed: 1, new FrameLabel("ethanol", 1.5f));
        var label = DropletLabel("scope-1", "d1", T0);
        var record = Record("band-1", 3, T0);

        await using (var v2 = new Influx2TelemetryStore(Options))
        {
            await v2.WriteMotionAsync([batch], None);
            await v2.WriteFramesAsync([frame], None);
            await v2.WriteLabelAsync(label, None);
            await v2.WriteRecordsAsync([record], None);
        }

        await using (var v1 = new InfluxTelemetryStore(new InfluxOptions { Url = _server.Url, Database = "pipeline", BlobFolder = _blobs.Path }))
        {
            await v1.WriteMotionAsync([batch], None);
            await v1.WriteFramesAsync([frame], None);
            await v1.WriteLabelAsync(label, None);
            await v1.WriteRecordsAsync([record], None);
        }

        var v2Bodies = _server.Requests.Where(r => r.Path == "/api/v2/write").Select(r => r.RawBody).ToList();
        var v1Bodies = _server.Requests.Where(r => r.Path == "/write").Select(r => r.RawBody).ToList();
        Assert.Equal(5, v2Bodies.Count);
        Assert.Equal(v1Bodies, v2Bodies);
    }

    [Fact]
    public async Task ReadMotion_ParsesPivotedCsv_IntoSamplesInTimeOrder()
    {
        var first = Motion("club-1", 1, T0, samples: 2);
        var second = Motion("club-1", 1, T0 + 500, samples: 1, stream: 2);
        object?[] Row(MotionBatch b, int i, string stream) =>
            [AnnotatedCsv.Time(b.TimestampOf(i)), "club-1", stream, .. b.Samples.Skip(i * 8).Take(8).Select(v => (object?)(double)v)];
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv()
            .Table("_result", MotionColumns, Row(first, 1, "1"), Row(second, 0, "2"), Row(first, 0, "1"))
            .ToString());
        await using var store = new Influx2TelemetryStore(Options);

        var series = await store.ReadMotionAsync("club-1", T0, T0 + 10_000, None);

        Assert.Equal([T0, T0 + 500, T0 + 1000], series.TimestampsMicros);
        Assert.Equal([.. first.Samples[..8], .. second.Samples, .. first.Samples[8..]], series.Samples);
        var flux = Assert.Single(_server.Queries).FluxQuery;
        Assert.Contains("|> range(start: time(v: 1700000000000000000), stop: time(v: 1700000000010000000))", flux, StringComparison.Ordinal);
        Assert.Contains("r._measurement == \"motion\" and r.device == \"club-1\"", flux, StringComparison.Ordinal);
        Assert.Contains("|> pivot(rowKey: [\"_time\"], columnKey: [\"_field\"], valueColumn: \"_value\")", flux, StringComparison.Ordinal);
        Assert.EndsWith("|> sort(columns: [\"_time\"])", flux.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadMotion_RowWithoutAChannel_FailsNamingTheColumn()
    {
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv()
            .Table("_result", [("_time", "dateTime:RFC3339"), ("device", "string"), ("strain1", "double")], [AnnotatedCsv.Time(T0), "club-1", 1.0])
            .ToString());
        await using var store = new Influx2TelemetryStore(Options);

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await store.ReadMotionAsync("club-1", T0, T0 + 1, None));

        Assert.Contains("strain2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFrames_ParsesCsv_AndTakesPixelsFromTheBlobFolder()
    {
        var labelled = Frame("scope-1", 3, T0 + 10, seed: 9, new FrameLabel("acetone", 2f), 0.75f);
        var plain = Frame("scope-1", 2, T0, seed: 4);
        await using var store = new Influx2TelemetryStore(Options);
        await store.WriteFramesAsync([labelled, plain], None);
        string Hash(MicroscopyFrame f) => Convert.ToHexStringLower(SHA256.HashData(f.Pixels));
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv().Table("_result",
            [("_time", "dateTime:RFC3339"), ("device", "string"), ("stream", "string"), ("seq", "long"), ("width", "long"), ("height", "long"),
             ("format", "long"), ("blob", "string"), ("label", "string"), ("concentration", "double"), ("degradation", "double")],
            [AnnotatedCsv.Time(T0 + 10), "scope-1", "7", 3L, 6L, 4L, 1L, Hash(labelled), "acetone", 2.0, 0.75],
            [AnnotatedCsv.Time(T0), "scope-1", "7", 2L, 6L, 4L, 1L, Hash(plain), null, null, null]).ToString());

        var frames = await store.ReadFramesAsync("scope-1", T0, T0 + 100, None);

        Assert.Equal(2, frames.Count);
        AssertSameFrame(plain, frames[0]);
        AssertSameFrame(labelled, frames[1]);
        Assert.Contains("r._measurement == \"frames\" and r.device == \"scope-1\"", _server.Queries[^1].FluxQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadLabels_ParsesSwingAndDropletLabels_InStartOrder()
    {
        var swing = SwingLabel("club-1", "s1", T0 + 5);
        var droplet = DropletLabel("scope-1", "d1", T0);
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv().Table("_result",
            [("_time", "dateTime:RFC3339"), ("device", "string"), ("session", "string"), ("task", "string"), ("end_us", "long"),
             ("player", "string"), ("shape", "string"), ("voc", "string"), ("concentration", "double")],
            [AnnotatedCsv.Time(swing.StartMicros), "club-1", "s1", "swing", swing.EndMicros, "ana", "slice", null, null],
            [AnnotatedCsv.Time(droplet.StartMicros), "scope-1", "d1", "swing", droplet.EndMicros, null, null, "acetone", 2.5]).ToString());
        await using var store = new Influx2TelemetryStore(Options);

        var labels = await store.ReadLabelsAsync(LearningTasks.Swing, None);

        Assert.Equal([droplet with { Task = LearningTasks.Swing }, swing], labels);
        Assert.Contains("r._measurement == \"labels\" and r.task == \"swing\"", Assert.Single(_server.Queries).FluxQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Count_AddsUpTheFiveNamedResults()
    {
        (string, string)[] value = [("_value", "long")];
        _server.Answer = _ => ScriptedAnswer.Csv(new AnnotatedCsv()
            .Table("batches", value, [3L]).Table("samples", value, [150L]).Table("labels", value, [2L]).Table("records", value, [4L]).ToString());
        await using var store = new Influx2TelemetryStore(Options);

        Assert.Equal(new StoreCounts(3, 150, 0, 2, 4), await store.CountAsync(None));

        var flux = Assert.Single(_server.Queries).FluxQuery;
        Assert.Contains("marks |> count() |> yield(name: \"batches\")", flux, StringComparison.Ordinal);
        Assert.Contains("marks |> sum() |> yield(name: \"samples\")", flux, StringComparison.Ordinal);
        Assert.Contains("r._measurement == \"records\" and r._field == \"bytes\")\n  |> group()\n  |> count()\n  |> yield(name: \"records\")", flux.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadToken_FailsWith401_NamingTheProblemButNeverTheToken()
    {
        _server.Answer = _ => ScriptedAnswer.Error(401, "unauthorized", "unauthorized access");
        await using var store = new Influx2TelemetryStore(Options);

        var error = await Assert.ThrowsAsync<InfluxRequestException>(async () => await store.WriteMotionAsync([Motion("club-1", 1, T0)], None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.Contains("unauthorized access", error.Message, StringComparison.Ordinal);
        Assert.Contains("token", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(429, "too many requests")]
    [InlineData(503, "service unavailable")]
    public async Task Overload_FailsAsTransient_WithTheServersRetryAfter(int status, string message)
    {
        _server.Answer = request => request.Path == "/api/v2/write"
            ? ScriptedAnswer.Error(status, "unavailable", message, new Dictionary<string, string> { ["Retry-After"] = "30" })
            : ScriptedAnswer.Csv(InfluxApiListener.EmptyCsv);
        await using var store = new Influx2TelemetryStore(Options);

        var error = await Assert.ThrowsAsync<InfluxRequestException>(async () => await store.WriteMotionAsync([Motion("club-1", 1, T0)], None));

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("retry after 30 s", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedLine_FailsWithTheServersMessage_AsNotTransient()
    {
        _server.Answer = request => request.Path == "/api/v2/write"
            ? ScriptedAnswer.Error(400, "invalid", "partial write: field type conflict")
            : ScriptedAnswer.Csv(InfluxApiListener.EmptyCsv);
        await using var store = new Influx2TelemetryStore(Options);

        var error = await Assert.ThrowsAsync<InfluxRequestException>(async () => await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Contains("write", error.Message, StringComparison.Ordinal);
        Assert.Contains("partial write: field type conflict", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServer_FailsAsTransient_WithoutAStatus()
    {
        var url = _server.Url;
        await _server.DisposeAsync();
        await using var store = new Influx2TelemetryStore(new Influx2Options { Url = url, Token = Token, Org = Org, Bucket = Bucket, BlobFolder = _blobs.Path });

        var error = await Assert.ThrowsAsync<InfluxRequestException>(async () => await store.CountAsync(None));

        Assert.Null(error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Contains(url.Authority, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_BucketTheTokenCannotSee_FailsNamingTheBucket()
    {
        var error = await Assert.ThrowsAsync<InfluxRequestException>(async () => await Influx2TelemetryStore.OpenAsync(Options));

        Assert.Contains("no bucket \"telemetry\" in org \"lab org\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("buckets()", Assert.Single(_server.Queries).FluxQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_CompressesTheWriteBody_WithTheSameLines()
    {
        var options = Options;
        options.Gzip = true;
        await using var store = new Influx2TelemetryStore(options);

        await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None);

        var write = Assert.Single(_server.Writes);
        Assert.Equal("gzip", write.Header("Content-Encoding"));
        Assert.Equal("labels,device=club-1,session=s1,task=swing end_us=1700000001000000i,player=\"ana\",shape=\"slice\" 1700000000000000\n", write.Body);
    }

    private static void AssertSameRecords(IReadOnlyList<TelemetryRecord> expected, IReadOnlyList<TelemetryRecord> actual)
    {
        Assert.Equal(expected.Select(r => r with { Payload = [] }), actual.Select(r => r with { Payload = [] }));
        Assert.Equal(expected.Select(r => r.Payload), actual.Select(r => r.Payload));
    }

    private static void AssertSameFrame(MicroscopyFrame expected, MicroscopyFrame actual)
    {
        Assert.Equal(expected with { Pixels = [] }, actual with { Pixels = [] });
        Assert.Equal(expected.Pixels, actual.Pixels);
    }
}
