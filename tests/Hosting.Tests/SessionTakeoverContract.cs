using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Hosting.Health;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// Two instances with one client id, against each real broker: the broker hands the session to the newer one with
/// MQTT 5 reason 0x8E, and the older one says so and stays off instead of taking the session back in a loop.
/// </summary>
public abstract class SessionTakeoverContract : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    protected abstract BrokerOptions Broker { get; }

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync() => await _metrics.DisposeAsync();

    [Fact]
    public async Task SecondInstanceWithTheSameClientId_TakesTheSession_AndTheFirstReportsItAndStaysOff()
    {
        var clientId = $"twin-{Guid.NewGuid():N}";
        var firstLog = new RecordingLogger();
        var firstTelemetry = new MqttTelemetry(_metrics.GetRequiredService<IMeterFactory>());
        // A short backoff: a first instance that did reconnect would take the session back at once, and the second would see it.
        var broker = Broker;
        broker.ReconnectMaxDelaySeconds = 0.2;
        var firstFactory = new MqttConnectionFactory(broker, new SingleLoggerFactory(firstLog), firstTelemetry);
        await using var first = firstFactory.Create(clientId);
        await first.ConnectAsync(Cancel());
        var health = new BrokerHealthCheck(firstTelemetry, firstFactory);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        await using var second = new MqttConnectionFactory(broker, new SingleLoggerFactory(new RecordingLogger())).Create(clientId);
        await second.ConnectAsync(Cancel());

        await Eventually.TrueAsync(() => first.SessionTakenOver, Patience, "the first instance learns that its session was taken over");
        Assert.Contains(firstLog.Messages, m => m.Contains(clientId, StringComparison.Ordinal) && m.Contains("took over its session", StringComparison.Ordinal));
        var report = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains(clientId, report.Description, StringComparison.Ordinal);
        Assert.Contains("took over the session", report.Description, StringComparison.Ordinal);

        // Many times the first one's backoff: the second keeps its session through publishes that each need the broker's answer.
        for (var i = 0; i < 20; i++)
        {
            await second.PublishAsync($"twin/{i}", new byte[] { 1 }, retain: false, Cancel());
        }

        Assert.True(second.IsConnected);
        Assert.False(second.SessionTakenOver, "the first instance took the session back");
        Assert.False(first.IsConnected, "the first instance reconnected");
        Assert.Single(firstLog.Messages, m => m.Contains("took over its session", StringComparison.Ordinal));
    }

    private static CancellationToken Cancel() => new CancellationTokenSource(Patience).Token;
}
