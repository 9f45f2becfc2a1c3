using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Storage.Influx;
using Pipeline.TestSupport;
using static Pipeline.Storage.Tests.TelemetrySamples;

namespace Pipeline.Storage.Tests;

/// <summary>The contract suite and InfluxDB-specific behaviour against Debian's real influxd; each test gets its own database and blob folder.</summary>
public sealed class InfluxTelemetryStoreTests(InfluxDbServerFixture influx) : TelemetryStoreContract, IClassFixture<InfluxDbServerFixture>, IDisposable
{
    private readonly TemporaryFolder _blobs = new("influx-blobs");
    private readonly string _database = $"test_{Guid.NewGuid():N}";

    private InfluxDbServer Server => influx.Server;

    private InfluxOptions Options => new() { Url = Server.Url, Database = _database, BlobFolder = _blobs.Path, RequestTimeout = TimeSpan.FromSeconds(10) };

    protected override async ValueTask<ITelemetryStore> OpenStoreAsync() => await InfluxTelemetryStore.OpenAsync(Options);

    public void Dispose() => _blobs.Dispose();

    [Fact]
    public async Task Restart_OfInfluxd_KeepsEverythingWritten()
    {
        var batch = Motion("club-1", 1, T0, samples: 6);
        var frame = Frame("scope-1", 1, T0, seed: 4, new FrameLabel("acetone", 2f), 0.75f);
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteMotionAsync([batch], None);
            await store.WriteFramesAsync([frame], None);
            await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None);
            await store.WriteRecordsAsync([Record("band-1", 1, T0)], None);
        }

        await Server.RestartAsync();

        await using var reopened = await OpenStoreAsync();
        Assert.Equal(new StoreCounts(1, 6, 1, 1, 1), await reopened.CountAsync(None));
        AssertSameRecords([Record("band-1", 1, T0)], await reopened.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1, None));
        Assert.Equal(0, await reopened.WriteRecordsAsync([Record("band-1", 1, T0)], None));
        Assert.Equal(batch.Samples, (await reopened.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Samples);
        AssertSameFrame(frame, Assert.Single(await reopened.ReadFramesAsync("scope-1", T0, T0 + 1, None)));
        Assert.Equal(0, await reopened.WriteMotionAsync([batch], None));
    }

    [Fact]
    public async Task Replay_OfAWholeStream_WritesNoPointTwice()
    {
        var batches = Enumerable.Range(0, 40).Select(i => Motion("club-1", (ulong)i, T0 + i * 50 * SampleMicros, samples: 50)).ToList();
        await using (var store = await OpenStoreAsync())
        {
            Assert.Equal(25, await store.WriteMotionAsync(batches[..25], None));
        }

        // A new store instance (a restarted ingest) gets the whole stream redelivered, overlapping what it had.
        await using var replaying = await OpenStoreAsync();
        Assert.Equal(15, await replaying.WriteMotionAsync(batches, None));
        Assert.Equal(0, await replaying.WriteMotionAsync(batches, None));

        Assert.Equal(40 * 50, await RawCountAsync("SELECT count(\"strain1\") FROM \"motion\""));
        Assert.Equal(new StoreCounts(40, 2000, 0, 0), await replaying.CountAsync(None));
        Assert.Equal(batches.SelectMany(b => b.Samples), (await replaying.ReadMotionAsync("club-1", T0, long.MaxValue, None)).Samples);
    }

    [Fact]
    public async Task WriteMotion_SplitIntoManyConcurrentRequests_StoresEverySampleOnceAndMarksEveryBatch()
    {
        // 60 batches x 50 samples in requests of 7 points, 3 at a time: 429 sample requests, then 9 of marks.
        var batches = Enumerable.Range(0, 60).Select(i => Motion($"club-{i % 3}", (ulong)(i / 3), T0 + (i / 3) * 50 * SampleMicros, samples: 50)).ToList();
        await using var store = await InfluxTelemetryStore.OpenAsync(new InfluxOptions
        {
            Url = Server.Url, Database = _database, BlobFolder = _blobs.Path, RequestTimeout = TimeSpan.FromSeconds(10), MaxPointsPerWrite = 7, WriteConcurrency = 3,
        });

        Assert.Equal(60, await store.WriteMotionAsync(batches, None));
        Assert.Equal(0, await store.WriteMotionAsync(batches, None));

        Assert.Equal(60 * 50, await RawCountAsync("SELECT count(\"strain1\") FROM \"motion\""));
        Assert.Equal(new StoreCounts(60, 3000, 0, 0), await store.CountAsync(None));
        Assert.Equal(batches.Where(b => b.DeviceId == "club-1").SelectMany(b => b.Samples), (await store.ReadMotionAsync("club-1", T0, long.MaxValue, None)).Samples);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    public void Options_WithAWriteConcurrencyOutOfRange_AreRefusedNamingTheSetting(int concurrency)
    {
        var problem = Assert.Single(CheckedSettingsRegistration.Problems(new InfluxOptions { WriteConcurrency = concurrency }));
        Assert.Equal($"Influx:WriteConcurrency {concurrency} is outside 1..64", problem);
    }

    [Fact]
    public async Task WriteMotion_SamplesWithoutTheirCompletionMark_AreWrittenAgainAndCounted()
    {
        // What a crash between the samples and the completion mark leaves behind: the samples only.
        var batch = Motion("club-1", 1, T0);
        await using var store = await OpenStoreAsync();
        await PostLinesAsync(string.Concat(Enumerable.Range(0, 4).Select(i =>
            $"motion,device=club-1,stream=1 strain1=0,strain2=0,accel_x=0,accel_y=0,accel_z=0,gyro_x=0,gyro_y=0,gyro_z=0,seq=1i {batch.TimestampOf(i)}\n")));

        Assert.Equal(1, await store.WriteMotionAsync([batch], None));

        Assert.Equal(batch.Samples, (await store.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Samples);
        Assert.Equal(new StoreCounts(1, 4, 0, 0), await store.CountAsync(None));
    }

    [Fact]
    public async Task Count_AndDeduplication_IncludePointsStampedAheadOfTheWallClock()
    {
        // Simulated devices running faster than real time stamp the future; unbounded queries must still see them.
        var future = DateTimeOffset.UtcNow.AddYears(5).ToUnixTimeMilliseconds() * 1000;
        await using var store = await OpenStoreAsync();

        Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 1, future)], None));
        Assert.True(await store.WriteLabelAsync(SwingLabel("club-1", "s1", future), None));

        Assert.False(await store.WriteLabelAsync(SwingLabel("club-1", "s1", future), None));
        Assert.Equal(0, await store.WriteMotionAsync([Motion("club-1", 1, future)], None));
        Assert.Equal(new StoreCounts(1, 4, 0, 1), await store.CountAsync(None));
        Assert.Single(await store.ReadLabelsAsync(LearningTasks.Swing, None));
    }

    [Fact]
    public async Task WriteRecords_StoresOnePointPerRecord_TaggedByDeviceKindAndStream_WithThePayloadOnlyInTheBlobFolder()
    {
        var record = Record("band-1", ulong.MaxValue, T0, stream: 4);
        await using var store = await OpenStoreAsync();

        Assert.Equal(1, await store.WriteRecordsAsync([record], None));

        using var answer = JsonDocument.Parse(await RawQueryAsync("SELECT * FROM \"records\""));
        var series = answer.RootElement.GetProperty("results")[0].GetProperty("series")[0];
        var columns = series.GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
        var row = Assert.Single(series.GetProperty("values").EnumerateArray());
        Assert.Equal(["time", "blob", "bytes", "device", "kind", "seq", "stream"], columns);
        Assert.Equal(T0, row[0].GetInt64());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(record.Payload)), row[1].GetString());
        Assert.Equal(record.Payload.Length, row[2].GetInt32());
        Assert.Equal("band-1", row[3].GetString());
        Assert.Equal("gait", row[4].GetString());
        Assert.Equal(-1, row[5].GetInt64());
        Assert.Equal("4", row[6].GetString());
        AssertSameRecords([record], await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1, None));
    }

    [Fact]
    public async Task WriteRecords_SameKeyOfAnotherKind_IsNotTakenForStored()
    {
        await using var store = await OpenStoreAsync();

        Assert.Equal(1, await store.WriteRecordsAsync([Record("band-1", 1, T0)], None));
        Assert.Equal(1, await store.WriteRecordsAsync([Record("band-1", 1, T0, kind: "heart"), Record("band-1", 1, T0)], None));

        Assert.Equal(2, (await store.CountAsync(None)).Records);
    }

    [Fact]
    public async Task WriteRecords_TimestampBeyondInfluxDbsRange_IsRefusedBeforeAnythingIsWritten()
    {
        await using var store = await OpenStoreAsync();

        var error = await Assert.ThrowsAsync<InvalidTelemetryException>(() => store.WriteRecordsAsync([Record("band-1", 1, T0), Record("band-1", 2, long.MaxValue)], None).AsTask());

        Assert.Contains("outside InfluxDB's range", error.Message);
        Assert.Equal(0, (await store.CountAsync(None)).Records);
    }

    [Fact]
    public async Task Write_AfterTheDatabaseWasDropped_FailsWithTheServersErrorAndDoesNotRecreateIt()
    {
        await using var store = await OpenStoreAsync();
        await RawQueryAsync($"DROP DATABASE \"{_database}\"");

        var error = await Assert.ThrowsAsync<InfluxRequestException>(() => store.WriteMotionAsync([Motion("club-1", 1, T0)], None).AsTask());

        Assert.Contains($"database not found: {_database}", error.Message);
        Assert.False(error.IsTransient);
        Assert.DoesNotContain(_database, await RawQueryAsync("SHOW DATABASES"));
    }

    [Fact]
    public async Task Write_ThatConflictsWithAFieldType_FailsWithTheServersReason()
    {
        await using var store = await OpenStoreAsync();
        await PostLinesAsync($"motion,device=club-1,stream=1 strain1=\"text\" {T0 - 1000}\n");

        var error = await Assert.ThrowsAsync<InfluxRequestException>(() => store.WriteMotionAsync([Motion("club-1", 1, T0)], None).AsTask());

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("HTTP 400", error.Message);
        Assert.Contains("field type conflict", error.ServerError);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task ReadFrames_WithABlobPointerThatIsNotAHash_SkipsThatFrameWithoutTouchingThePath_AndKeepsTheOthers()
    {
        var logs = new RecordingLogger();
        var options = Options;
        await using var store = await InfluxTelemetryStore.OpenAsync(options, logs);
        await store.WriteFramesAsync([Frame("scope-9", 2, T0 + 10, 7)], None);
        await PostLinesAsync($"frames,device=scope-9,stream=1 seq=1i,width=2i,height=2i,format=0i,blob=\"../../../../etc/passwd\" {T0}\n");

        var frames = await store.ReadFramesAsync("scope-9", T0 - 1, T0 + 100, None);

        Assert.Equal([2UL], frames.Select(f => f.Sequence));
        Assert.Contains(logs.Messages, m => m.Contains("not 64 lower-case hex digits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Open_WhereNothingListens_SaysTheServerIsUnreachable()
    {
        var options = Options;
        options.Url = new Uri($"http://127.0.0.1:{Hosting.Mqtt.EmbeddedBroker.FreeLoopbackPort()}/");

        var error = await Assert.ThrowsAsync<InfluxRequestException>(() => InfluxTelemetryStore.OpenAsync(options));

        Assert.Contains("unreachable", error.Message);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public void Options_WithAnUnsafeDatabaseName_AreRefusedNamingTheProblem()
    {
        var options = Options;
        options.Database = "x\"; DROP DATABASE y";

        var error = Assert.Throws<OptionsValidationException>(() => new InfluxTelemetryStore(options));

        Assert.Contains("Influx:Database", error.Message);
    }

    [Fact]
    public async Task WriteMotion_NotANumber_IsRefusedBeforeAnythingIsWritten()
    {
        await using var store = await OpenStoreAsync();
        var batch = Motion("club-1", 2, T0);
        batch.Samples[5] = float.NaN;

        var error = await Assert.ThrowsAsync<InvalidTelemetryException>(() => store.WriteMotionAsync([Motion("club-1", 1, T0), batch], None).AsTask());

        Assert.Contains("gyro_x is NaN", error.Message);
        Assert.Equal(new StoreCounts(0, 0, 0, 0), await store.CountAsync(None));
    }

    [Fact]
    public async Task LineProtocol_TagsWithCommasSpacesAndEquals_ReadBackUnchanged()
    {
        await using (await OpenStoreAsync())
        {
        }

        var line = new StringBuilder();
        InfluxLineProtocol.AppendMeasurement(line, "odd measurement,1");
        InfluxLineProtocol.AppendTag(line, "a key=", "v, w=x y");
        InfluxLineProtocol.StartFields(line);
        InfluxLineProtocol.AppendField(line, "text field", "say \"hi\" \\ bye");
        InfluxLineProtocol.AppendField(line, "number", 0.1f);
        InfluxLineProtocol.AppendTimestamp(line, T0);
        await PostLinesAsync(line.ToString());

        using var answer = JsonDocument.Parse(await RawQueryAsync(
            $"SELECT * FROM \"odd measurement,1\" WHERE \"a key=\" = {InfluxLineProtocol.QuoteString("v, w=x y")}"));
        var row = answer.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0];
        var columns = answer.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("columns").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Equal("v, w=x y", row[columns.IndexOf("a key=")].GetString());
        Assert.Equal("say \"hi\" \\ bye", row[columns.IndexOf("text field")].GetString());
        Assert.Equal(0.1f, (float)row[columns.IndexOf("number")].GetDouble());
    }

    [Fact]
    public void LineProtocol_LineBreaksInTags_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => InfluxLineProtocol.AppendTag(new StringBuilder("m"), "k", "a\nb"));

        Assert.Contains("line break", error.Message);
    }

    private async Task PostLinesAsync(string lines)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Server.Url, $"write?db={_database}&precision=u"), new StringContent(lines));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> RawQueryAsync(string query)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Server.Url, $"query?db={_database}&epoch=u"), new FormUrlEncodedContent([new("q", query)]));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }

    private async Task<long> RawCountAsync(string query)
    {
        using var answer = JsonDocument.Parse(await RawQueryAsync(query));
        return answer.RootElement.GetProperty("results")[0].GetProperty("series")[0].GetProperty("values")[0][1].GetInt64();
    }
}
