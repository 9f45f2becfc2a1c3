using System.Net;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Observability;

/// <summary>
/// The edge agent executable's HTTP endpoints (off by default, on with Http:Port), run as a process against a real
/// mosquitto: readiness follows the broker, liveness does not, /metrics has every documented agent metric, and --help
/// lists the settings.
/// </summary>
public sealed class AgentEndpointsTests(MosquittoBrokerFixture broker, ITestOutputHelper output) : IClassFixture<MosquittoBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TemporaryFolder _data = new("agent-endpoints");
    private readonly int _httpPort = EmbeddedBroker.FreeLoopbackPort();
    private readonly string _device = $"club-{Guid.NewGuid():N}"[..16];

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task Health_FollowsTheBroker_WhileAliveStaysUp_AndMetricsHaveEveryDocumentedAgentMetric()
    {
        if (!broker.Broker.IsRunning)
        {
            await broker.Broker.RestartAsync();
        }

        using var agent = ComponentProcess.Start(typeof(EdgeAgentWorker).Assembly, Arguments());
        using var endpoints = new ComponentEndpoints(_httpPort);
        try
        {
            await ReadyAsync(endpoints, agent, "the agent starts ready");
            Assert.Equal(["broker"], (await endpoints.HealthAsync())!.Checks.Keys);

            var documented = DocumentedMetrics.Under("### Edge agent");
            Assert.Equal(["pipeline_agent_inference_latency_milliseconds"], documented.Where(m => m.AppearsAfter is not null).Select(m => m.Name));
            var expected = documented.Where(m => m.AppearsAfter is null).Select(m => m.Name).ToList();
            string? scrape = null;
            await Eventually.TrueAsync(async () => (scrape = await endpoints.MetricsAsync()) is { } text && expected.All(name => DocumentedMetrics.IsIn(text, name))
                    && text.Contains("pipeline_agent_samples_total{", StringComparison.Ordinal)
                    // The agent's publish rate is its connection's published count, there once its outbox has sent a message.
                    && text.Contains("pipeline_mqtt_published_total{", StringComparison.Ordinal), Patience,
                $"every documented agent metric is scraped; missing: {string.Join(", ", expected.Where(name => scrape is null || !DocumentedMetrics.IsIn(scrape, name)))}\n{agent.RecentLog}");
            Assert.Contains($"device=\"{_device}\"", scrape, StringComparison.Ordinal);

            await broker.Broker.StopAsync();
            HealthAnswer? answer = null;
            await Eventually.TrueAsync(async () => (answer = await endpoints.HealthAsync()) is { Code: HttpStatusCode.ServiceUnavailable } a && !a.IsHealthy("broker"),
                Patience, $"the agent is not ready without the broker: {answer}\n{agent.RecentLog}");
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));
            await broker.Broker.RestartAsync();
            await ReadyAsync(endpoints, agent, "the agent is ready again once the broker is back");
        }
        finally
        {
            output.WriteLine(agent.RecentLog);
            if (!broker.Broker.IsRunning)
            {
                await broker.Broker.RestartAsync();
            }
        }
    }

    [Fact]
    public async Task Help_ListsEverySettingWithDefaultAndMeaning_AndStartsNothing()
    {
        var dataFolder = _data.Combine("never-created");
        using var agent = ComponentProcess.Start(typeof(EdgeAgentWorker).Assembly, ["--help", "--Agent:DataFolder", dataFolder, "--Agent:DeviceId", "club-help"]);
        await agent.WaitForExitAsync(Patience);

        Assert.Equal(0, agent.ExitCode);
        var help = agent.RecentLog;
        Assert.Contains("Agent:DeviceId = ", help, StringComparison.Ordinal);
        Assert.Contains("Agent:Kind = ", help, StringComparison.Ordinal);
        Assert.Contains("Agents:0:<Key>", help, StringComparison.Ordinal);
        Assert.Contains("Http:Port = 0", help, StringComparison.Ordinal);
        Assert.Contains("Broker:ReconnectMaxDelay = 00:00:05", help, StringComparison.Ordinal);
        Assert.DoesNotContain("online at", help, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dataFolder), "a help run opened the data folder");
    }

    private static async Task ReadyAsync(ComponentEndpoints endpoints, ComponentProcess process, string because)
    {
        HealthAnswer? answer = null;
        await Eventually.TrueAsync(async () => process.HasExited || (answer = await endpoints.HealthAsync())?.Code == HttpStatusCode.OK, Patience, () => $"{because}: {answer}\n{process.RecentLog}");
        Assert.False(process.HasExited, process.RecentLog);
    }

    private string[] Arguments() =>
    [
        "--broker", $"{broker.Broker.Host}:{broker.Broker.Port}",
        "--Broker:ReconnectMaxDelay", "00:00:00.500",
        "--Agent:DeviceId", _device,
        "--Agent:Kind", DeviceKinds.Golf,
        "--Agent:TrustedModelKeysFolder", TestModelKeys.TrustedFolder,
        "--Agent:DataFolder", _data.Combine("agent"),
        "--Agent:SpeedFactor", "10",
        "--Http:Port", $"{_httpPort}",
    ];
}
