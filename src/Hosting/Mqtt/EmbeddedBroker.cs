using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Server;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// An in-process MQTT 5 broker (MQTTnet.Server) bound to 127.0.0.1, used when no broker is configured.
/// It keeps persistent sessions in memory, so QoS 1 messages for a disconnected subscriber wait for it,
/// but it does not support shared subscriptions ($share/…): run one ingest instance against it.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public string Host => IPAddress.Loopback.ToString();

    /// <summary>Starts on <paramref name="port"/>, or on a free loopback port when it is 0.</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port, ILogger logger, CancellationToken cancellationToken)
    {
        var chosen = port == 0 ? FreeLoopbackPort() : port;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(chosen)
            .WithPersistentSessions()
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        cancellationToken.ThrowIfCancellationRequested();
        await server.StartAsync();
        logger.LogInformation("embedded MQTT broker listening on 127.0.0.1:{Port}", chosen);
        return new EmbeddedBroker(server, chosen);
    }

    public BrokerOptions ToOptions() => new() { Host = Host, Port = Port };

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
