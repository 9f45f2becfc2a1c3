using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Tests.Resilience;
using Pipeline.Storage;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests.Observability;

/// <summary>
/// The ingest executable's HTTP endpoints, run as a process against real mosquitto and influxd: readiness follows the
/// broker and the store, liveness does not, /metrics has every documented ingest metric, logs can be JSON, --help
/// lists the settings, and SIGTERM drains what ingest holds into the store before it exits.
/// </summary>
public sealed class IngestEndpointsTests(MosquittoBrokerFixture broker, InfluxDbServerFixture influx, ITestOutputHelper output)
    : IClassFixture<MosquittoBrokerFixture>, IClassFixture<InfluxDbServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TemporaryFolder _data = new("ingest-endpoints");
    private readonly string _clientId = $"ingest-{Guid.NewGuid():N}";
    private readonly string _database = $"endpoints_{Guid.NewGuid():N}";
    private readonly int _httpPort = EmbeddedBroker.FreeLoopbackPort();

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task Health_FollowsTheBrokerAndTheStore_WhileAliveStaysUp_AndLogsAreJson()
    {
        await EnsureServersRunningAsync();
        using var ingest = ComponentProcess.Start(typeof(IngestService).Assembly, [.. Arguments(), "--Logging:Format", "json"]);
        using var endpoints = new ComponentEndpoints(_httpPort);
        try
        {
            await ReadyAsync(endpoints, ingest, "ingest starts ready");
            Assert.True((await endpoints.HealthAsync())!.Checks.Keys.Order(StringComparer.Ordinal).SequenceEqual(["broker", "spill", "store"]));

            await broker.Broker.StopAsync();
            var answer = await NotReadyAsync(endpoints, ingest, "broker", "ingest is not ready without the broker");
            Assert.Contains(_clientId, answer.Checks["broker"].Description, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));
            await broker.Broker.RestartAsync();
            await ReadyAsync(endpoints, ingest, "ingest is ready again once the broker is back");

            await influx.Server.StopAsync();
            await NotReadyAsync(endpoints, ingest, "store", "ingest is not ready without the store");
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));
            await influx.Server.RestartAsync();
            await ReadyAsync(endpoints, ingest, "ingest is ready again once the store is back");

            var lines = ingest.RecentLog.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(lines, l => l.Contains("subscribed", StringComparison.Ordinal));
            foreach (var line in lines)
            {
                using var entry = JsonDocument.Parse(line);
                Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _) && entry.RootElement.TryGetProperty("Category", out _)
                    && entry.RootElement.TryGetProperty("Message", out _) && entry.RootElement.TryGetProperty("Timestamp", out _), line);
            }
        }
        finally
        {
            output.WriteLine(ingest.RecentLog);
            await EnsureServersRunningAsync();
        }
    }

    [Fact]
    public async Task Metrics_HaveEveryDocumentedIngestMetric()
    {
        await EnsureServersRunningAsync();
        using var ingest = ComponentProcess.Start(typeof(IngestService).Assembly, Arguments());
        using var endpoints = new ComponentEndpoints(_httpPort);
        await ReadyAsync(endpoints, ingest, "ingest starts ready");
        await using var publisher = new MqttConnectionFactory(broker.Broker.ToOptions(), NullLoggerFactory.Instance).Create($"metrics-publisher-{Guid.NewGuid():N}");
        await publisher.ConnectAsync(Cancel());
        var motion = new SequencedMotion("club-metrics");
        await publisher.PublishAsync(motion.Topic, motion.Payload(0), retain: false, Cancel());
        await publisher.PublishAsync(motion.Topic, "not a motion batch"u8.ToArray(), retain: false, Cancel());

        var documented = DocumentedMetrics.Under("### Ingest");
        string? scrape = null;
        await Eventually.TrueAsync(async () => (scrape = await endpoints.MetricsAsync()) is { } text && documented.All(m => DocumentedMetrics.IsIn(text, m.Name)), Patience,
            () => $"every documented ingest metric is scraped; {(scrape is null ? "no answer from /metrics" : "missing: " + string.Join(", ", documented.Where(m => !DocumentedMetrics.IsIn(scrape, m.Name)).Select(m => m.Name)))}{(ingest.HasExited ? $"; ingest exited with {ingest.ExitCode}" : "")}\n{ingest.RecentLog}");
        Assert.Contains("pipeline_ingest_stored_total{", scrape, StringComparison.Ordinal);
        Assert.Contains($"pipeline_mqtt_connected{{", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigterm_DrainsWhatIngestHoldsIntoTheStore_AndExitsWithinTheShutdownTimeout()
    {
        await EnsureServersRunningAsync();
        const int Total = 400;
        using var ingest = ComponentProcess.Start(typeof(IngestService).Assembly, [.. Arguments(), "--Ingest:BatchSize", "16", "--Shutdown:Timeout", "00:00:20"]);
        using var endpoints = new ComponentEndpoints(_httpPort);
        await ReadyAsync(endpoints, ingest, "ingest starts ready");
        await using var publisher = new MqttConnectionFactory(broker.Broker.ToOptions(), NullLoggerFactory.Instance).Create($"drain-publisher-{Guid.NewGuid():N}");
        await publisher.ConnectAsync(Cancel());
        var motion = new SequencedMotion("club-drain");
        for (var i = 0; i < Total; i++)
        {
            await publisher.PublishAsync(motion.Topic, motion.Payload(i), retain: false, Cancel());
        }

        // Stopped while the last batches are still on their way through ingest's queues.
        await ingest.TerminateAsync();
        await ingest.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(ingest.ExitCode == 0, $"ingest exited with {ingest.ExitCode}:\n{ingest.RecentLog}");
        Assert.Contains(" 0 messages left unacknowledged", ingest.RecentLog, StringComparison.Ordinal);
        var restarted = ComponentProcess.Start(typeof(IngestService).Assembly, Arguments());
        using (restarted)
        {
            await ReadyAsync(endpoints, restarted, "ingest starts again");
            await using var store = new Storage.Influx.InfluxTelemetryStore(new Storage.Influx.InfluxOptions { Url = influx.Server.Url, Database = _database, BlobFolder = _data.Combine("blobs") });
            long stored = 0;
            await Eventually.TrueAsync(async () => (stored = (await store.CountAsync(Cancel())).MotionBatches) == Total, Patience,
                () => $"every batch stored once ({stored} of {Total} stored):\n{restarted.RecentLog}\nthe first ingest's log:\n{ingest.RecentLog}");
        }
    }

    [Fact]
    public async Task Help_ListsEverySettingWithDefaultAndMeaning_AndStartsNothing()
    {
        var dataFolder = _data.Combine("never-created");
        using var ingest = ComponentProcess.Start(typeof(IngestService).Assembly, ["--help", "--Ingest:DataFolder", dataFolder]);
        await ingest.WaitForExitAsync(Patience);

        Assert.Equal(0, ingest.ExitCode);
        var help = ingest.RecentLog;
        Assert.Contains("Ingest:BatchSize = 1024", help, StringComparison.Ordinal);
        Assert.Contains("Most messages written to the store in one write.", help, StringComparison.Ordinal);
        Assert.Contains("Http:Port = 8081", help, StringComparison.Ordinal);
        Assert.Contains("Broker:Host = 127.0.0.1", help, StringComparison.Ordinal);
        Assert.Contains("Store:Backend = embedded", help, StringComparison.Ordinal);
        Assert.Contains("Influx:Url", help, StringComparison.Ordinal);
        Assert.Contains("Shutdown:Timeout = 00:00:25", help, StringComparison.Ordinal);
        Assert.Contains("Logging:Format = simple", help, StringComparison.Ordinal);
        Assert.DoesNotContain("subscribed", help, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataFolder), "a help run opened the store or the spill");
    }

    private static CancellationToken Cancel() => new CancellationTokenSource(Patience).Token;

    private static async Task ReadyAsync(ComponentEndpoints endpoints, ComponentProcess process, string because)
    {
        HealthAnswer? answer = null;
        await Eventually.TrueAsync(async () => process.HasExited || (answer = await endpoints.HealthAsync())?.Code == HttpStatusCode.OK, Patience, () => $"{because}: {answer}\n{process.RecentLog}");
        Assert.False(process.HasExited, process.RecentLog);
    }

    private static async Task<HealthAnswer> NotReadyAsync(ComponentEndpoints endpoints, ComponentProcess process, string check, string because)
    {
        HealthAnswer? answer = null;
        await Eventually.TrueAsync(async () => (answer = await endpoints.HealthAsync()) is { Code: HttpStatusCode.ServiceUnavailable } a && !a.IsHealthy(check),
            Patience, () => $"{because}: {answer}\n{process.RecentLog}");
        return answer!;
    }

    private async Task EnsureServersRunningAsync()
    {
        // A test that failed mid-outage may have left a server stopped for the next one.
        if (!broker.Broker.IsRunning)
        {
            await broker.Broker.RestartAsync();
        }

        if (!influx.Server.IsRunning)
        {
            await influx.Server.RestartAsync();
        }
    }

    private string[] Arguments() =>
    [
        "--broker", $"{broker.Broker.Host}:{broker.Broker.Port}",
        "--Broker:ReconnectMaxDelay", "00:00:00.500",
        "--Ingest:DataFolder", _data.Path,
        "--Ingest:ClientId", _clientId,
        "--Store:Backend", StoreBackendOptions.Influx,
        "--Influx:Url", influx.Server.Url.ToString(),
        "--Influx:Database", _database,
        "--Influx:RequestTimeout", "00:00:02",
        "--Http:Port", $"{_httpPort}",
    ];
}
