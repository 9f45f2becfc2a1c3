using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

/// <summary>The shared HTTP listener in a host built by <see cref="ServiceDefaults"/>, with a real broker connection behind its health.</summary>
public sealed class HttpEndpointsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Health_FollowsTheBroker_WhileAliveStaysUp_AndMetricsServeTheConnection()
    {
        var brokerPort = EmbeddedBroker.FreeLoopbackPort();
        var broker = await EmbeddedBroker.StartAsync(brokerPort, NullLogger.Instance, CancellationToken.None);
        var httpPort = EmbeddedBroker.FreeLoopbackPort();
        var builder = ServiceDefaults.CreateBuilder([], [new("Http:Port", $"{httpPort}"), new("Broker:Port", $"{brokerPort}"), new("Broker:ReconnectMaxDelay", "00:00:00.200")]);
        builder.Services.AddHostedService<ConnectedClient>();
        using var host = builder.Build();
        await host.StartAsync();
        using var endpoints = new ComponentEndpoints(httpPort);
        try
        {
            await Eventually.TrueAsync(async () => (await endpoints.HealthAsync())?.Code == HttpStatusCode.OK, Patience, "ready once the client connected");
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));

            await broker.DisposeAsync();
            HealthAnswer? answer = null;
            await Eventually.TrueAsync(async () => (answer = await endpoints.HealthAsync())?.Code == HttpStatusCode.ServiceUnavailable, Patience, "not ready without the broker");
            Assert.False(answer!.IsHealthy("broker"), answer.ToString());
            Assert.Contains(ConnectedClient.ClientId, answer.Checks["broker"].Description, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, await endpoints.StatusAsync("alive"));

            broker = await EmbeddedBroker.StartAsync(brokerPort, NullLogger.Instance, CancellationToken.None);
            await Eventually.TrueAsync(async () => (answer = await endpoints.HealthAsync())?.Code == HttpStatusCode.OK, Patience, $"ready again once the broker is back: {answer}");

            var metrics = await endpoints.MetricsAsync();
            Assert.Contains($"pipeline_mqtt_connected{{", metrics, StringComparison.Ordinal);
            Assert.Contains($"client_id=\"{ConnectedClient.ClientId}\"", metrics, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
            await broker.DisposeAsync();
        }
    }

    /// <summary>A component's one broker connection, made through the host's factory as every component makes its own.</summary>
    private sealed class ConnectedClient(MqttConnectionFactory connections) : BackgroundService
    {
        public const string ClientId = "http-endpoints-test";

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await using var connection = connections.Create(ClientId);
            await connection.ConnectAsync(stoppingToken);
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
