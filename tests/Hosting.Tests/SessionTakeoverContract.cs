using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Hosting.Health;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// Two instances with one client id, against each real broker: one of them says so and stays off instead of the two
/// taking the session from each other in a loop, and the other keeps it.
/// </summary>
public abstract class SessionTakeoverContract : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    protected abstract BrokerOptions Broker { get; }

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync() => await _metrics.DisposeAsync();

    [Fact]
    public async Task TwoInstancesWithOneClientId_OneIsParkedAndSaysSo_TheOtherKeepsTheSession()
    {
        var clientId = $"twin-{Guid.NewGuid():N}";
        // A short backoff: an instance that did reconnect would take the session back at once, and the other would see it.
        var broker = Broker;
        broker.ReconnectMaxDelay = TimeSpan.FromSeconds(0.2);
        await using var first = new Instance(broker, clientId, _metrics.GetRequiredService<IMeterFactory>());
        await first.Connection.ConnectAsync(Cancel());
        Assert.Equal(HealthStatus.Healthy, (await first.Health.CheckHealthAsync(new HealthCheckContext())).Status);

        await using var second = new Instance(broker, clientId, _metrics.GetRequiredService<IMeterFactory>());
        await second.Connection.ConnectAsync(Cancel());

        // The broker that says why (0x8E) parks the older one; one that just closes the link parks whichever sees five short links first.
        await Eventually.TrueAsync(() => first.Connection.SessionTakenOver || second.Connection.SessionTakenOver, Patience, "one instance learns that its session was taken over");
        var (parked, keeper) = first.Connection.SessionTakenOver ? (first, second) : (second, first);
        Assert.Contains(parked.Log.Messages, m => m.Contains(clientId, StringComparison.Ordinal) && m.Contains("took over its session", StringComparison.Ordinal));
        var report = await parked.Health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains(clientId, report.Description, StringComparison.Ordinal);
        Assert.Contains("took over the session", report.Description, StringComparison.Ordinal);

        // Many times the parked one's backoff: the keeper holds its session through publishes that each need the broker's answer.
        for (var i = 0; i < 20; i++)
        {
            await keeper.Connection.PublishAsync($"twin/{i}", new byte[] { 1 }, retain: false, Cancel());
        }

        Assert.True(keeper.Connection.IsConnected);
        Assert.False(keeper.Connection.SessionTakenOver, "both instances were parked");
        Assert.Equal(HealthStatus.Healthy, (await keeper.Health.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.False(parked.Connection.IsConnected, "the parked instance reconnected");
        Assert.Single(parked.Log.Messages, m => m.Contains("took over its session", StringComparison.Ordinal));
    }

    /// <summary>A new instance of a component using <paramref name="clientId"/> on this test's broker.</summary>
    protected Instance NewInstance(string clientId) => new(Broker, clientId, _metrics.GetRequiredService<IMeterFactory>());

    /// <summary>One component instance: its connection, its log, and its broker health check, as its host would have them.</summary>
    protected sealed class Instance : IAsyncDisposable
    {
        public Instance(BrokerOptions broker, string clientId, IMeterFactory meters)
        {
            var telemetry = new MqttTelemetry(meters);
            var factory = new MqttConnectionFactory(broker, new SingleLoggerFactory(Log), telemetry);
            Connection = factory.Create(clientId);
            Health = new BrokerHealthCheck(telemetry, factory);
        }

        public RecordingLogger Log { get; } = new();

        public MqttConnection Connection { get; }

        internal BrokerHealthCheck Health { get; }

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    protected static CancellationToken Cancel() => new CancellationTokenSource(Patience).Token;
}
