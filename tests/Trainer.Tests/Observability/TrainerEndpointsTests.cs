using System.Net;
using Pipeline.Hosting.Mqtt;
using Pipeline.Storage;
using Pipeline.TestSupport;
using Pipeline.Trainer.Service;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests.Observability;

/// <summary>
/// The trainer executable's HTTP endpoints, run as a process against real mosquitto and influxd: readiness follows the
/// broker and the store (and the training loop), liveness does not, /metrics has every documented trainer metric, and
/// --help lists the settings.
/// </summary>
public sealed class TrainerEndpointsTests(MosquittoBrokerFixture broker, InfluxDbServerFixture influx, ITestOutputHelper output)
    : IClassFixture<MosquittoBrokerFixture>, IClassFixture<InfluxDbServerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TemporaryFolder _data = new("trainer-endpoints");
    private readonly string _database = $"trainer_endpoints_{Guid.NewGuid():N}";
    private readonly int _httpPort = EmbeddedBroker.FreeLoopbackPort();

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task Health_FollowsTheBrokerAndTheStore_WhileAliveStaysUp()
    {
        await EnsureServersRunningAsync();
        using var trainer = ComponentProcess.Start(typeof(TrainerService).Assembly, Arguments());
        using var endpoints = new ComponentEndpoints(_httpPort);
        try
        {
            await ReadyAsync(endpoints, trainer, "the trainer starts ready");
            Assert.True((await endpoints.HealthAsync())!.Checks.Keys.Order(StringComparer.Ordinal).SequenceEqual(["broker", "store", "training-loop"]));

            await broker.Broker.StopAsync();
            await NotReadyAsync(endpoints, trainer, "broker", "the trainer is not ready without the broker");
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));
            await broker.Broker.RestartAsync();
            await ReadyAsync(endpoints, trainer, "the trainer is ready again once the broker is back");

            await influx.Server.StopAsync();
            await NotReadyAsync(endpoints, trainer, "store", "the trainer is not ready without the store");
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));
            await influx.Server.RestartAsync();
            await ReadyAsync(endpoints, trainer, "the trainer is ready again once the store is back");
        }
        finally
        {
            output.WriteLine(trainer.RecentLog);
            await EnsureServersRunningAsync();
        }
    }

    [Fact]
    public async Task Metrics_HaveEveryDocumentedTrainerMetric_ThatNeedsNoRound()
    {
        await EnsureServersRunningAsync();
        using var trainer = ComponentProcess.Start(typeof(TrainerService).Assembly, Arguments());
        using var endpoints = new ComponentEndpoints(_httpPort);
        await ReadyAsync(endpoints, trainer, "the trainer starts ready");

        var documented = DocumentedMetrics.Under("### Trainer");
        Assert.Equal(["pipeline_trainer_stage_busy_seconds_total"], documented.Where(m => m.AppearsAfter is not null).Select(m => m.Name));
        var expected = documented.Where(m => m.AppearsAfter is null).Select(m => m.Name).ToList();
        string? scrape = null;
        await Eventually.TrueAsync(async () => (scrape = await endpoints.MetricsAsync()) is { } text && expected.All(name => DocumentedMetrics.IsIn(text, name)), Patience,
            $"every documented trainer metric is scraped; missing: {string.Join(", ", expected.Where(name => scrape is null || !DocumentedMetrics.IsIn(scrape, name)))}\n{scrape}\n{trainer.RecentLog}");
        Assert.Contains("pipeline_trainer_round{", scrape, StringComparison.Ordinal);
        Assert.Contains("task=\"swing\"", scrape, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEverySettingWithDefaultAndMeaning_AndStartsNothing()
    {
        var dataFolder = _data.Combine("never-created");
        using var trainer = ComponentProcess.Start(typeof(TrainerService).Assembly, ["-h", "--Trainer:DataFolder", dataFolder]);
        await trainer.WaitForExitAsync(Patience);

        Assert.Equal(0, trainer.ExitCode);
        var help = trainer.RecentLog;
        Assert.Contains("Trainer:Epochs = ", help, StringComparison.Ordinal);
        Assert.Contains("Trainer:StallAfter = 00:15:00", help, StringComparison.Ordinal);
        Assert.Contains("Http:Port = 8082", help, StringComparison.Ordinal);
        Assert.Contains("Store:Backend = embedded", help, StringComparison.Ordinal);
        Assert.Contains("Shutdown:Timeout = 00:00:25", help, StringComparison.Ordinal);
        Assert.DoesNotContain("waiting for ingest", help, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataFolder), "a help run opened the data folder");
    }

    private static async Task ReadyAsync(ComponentEndpoints endpoints, ComponentProcess process, string because)
    {
        HealthAnswer? answer = null;
        await Eventually.TrueAsync(async () => process.HasExited || (answer = await endpoints.HealthAsync())?.Code == HttpStatusCode.OK, Patience, () => $"{because}: {answer}\n{process.RecentLog}");
        Assert.False(process.HasExited, process.RecentLog);
    }

    private static async Task NotReadyAsync(ComponentEndpoints endpoints, ComponentProcess process, string check, string because)
    {
        HealthAnswer? answer = null;
        await Eventually.TrueAsync(async () => (answer = await endpoints.HealthAsync()) is { Code: HttpStatusCode.ServiceUnavailable } a && !a.IsHealthy(check),
            Patience, $"{because}: {answer}\n{process.RecentLog}");
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
        "--Trainer:DataFolder", _data.Path,
        "--Trainer:ClientId", $"trainer-{Guid.NewGuid():N}",
        "--Trainer:Tasks:0", "swing",
        "--Trainer:PollInterval", "00:00:01",
        "--Store:Backend", StoreBackendOptions.Influx,
        "--Influx:Url", influx.Server.Url.ToString(),
        "--Influx:Database", _database,
        "--Influx:RequestTimeout", "00:00:02",
        "--Http:Port", $"{_httpPort}",
    ];
}
