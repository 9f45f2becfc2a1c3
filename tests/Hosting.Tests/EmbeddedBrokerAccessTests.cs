using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Health;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;
using Pipeline.Protocol;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class EmbeddedBrokerAccessTests(ITestOutputHelper output) : BrokerAccessContract(output)
{
    private EmbeddedBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(string accessFolder) =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { IdentitiesPath = Path.Combine(accessFolder, IdentityStore.FileName) },
            Logs.CreateLogger("broker"), CancellationToken.None);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    // The embedded broker looks at the identity file on every connection.
    protected override Task ReloadAsync() => Task.CompletedTask;

    [Fact]
    public async Task ASubscriptionTheBrokerRefuses_KeepsTheComponentNotReady_NamingIt()
    {
        await using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new MqttTelemetry(metrics.GetRequiredService<IMeterFactory>());
        var factory = new MqttConnectionFactory(new BrokerOptions { Host = Host, Port = Port, CredentialsFolder = Identities.SecretsFolder }, Logs, telemetry);
        var health = new BrokerHealthCheck(telemetry, factory);
        await using var club2 = factory.Create(Club2);
        await club2.ConnectAsync(new CancellationTokenSource(Patience).Token);
        await club2.SubscribeAsync(Topics.Status("local", "club-2"), (_, _) => Task.CompletedTask, new CancellationTokenSource(Patience).Token);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        // Another device's telemetry: the embedded broker refuses the SUBACK.
        var refused = Topics.Motion("local", "club-1");
        await Assert.ThrowsAsync<MqttPublishException>(() => club2.SubscribeAsync(refused, (_, _) => Task.CompletedTask, new CancellationTokenSource(Patience).Token));

        Assert.True(club2.IsConnected);
        Assert.Equal([refused], club2.UnconfirmedSubscriptions);
        var report = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains(refused, report.Description, StringComparison.Ordinal);
        Assert.Contains("not yet granted", report.Description, StringComparison.Ordinal);
    }
}
