using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pipeline.Hosting.Access;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// An in-process MQTT 5 broker (MQTTnet.Server) bound to 127.0.0.1, used when no broker is configured.
/// It keeps persistent sessions in memory, with no expiry while it runs, so QoS 1 messages for a disconnected
/// subscriber wait for it; a subscriber whose queue is full makes the broker refuse further publishes to its topics
/// (<see cref="SubscriberQueueGuard"/>) rather than drop what it acknowledged. Its queues do not outlive the process.
/// Given an identities file it admits only those identities and enforces the topic policy (<see cref="BrokerAccessControl"/>).
/// It does not support shared subscriptions ($share/…): run one ingest instance against it.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly SubscriberQueueGuard _queues;

    private EmbeddedBroker(MqttServer server, SubscriberQueueGuard queues, int port)
    {
        _server = server;
        _queues = queues;
        Port = port;
    }

    public int Port { get; }

    public string Host => IPAddress.Loopback.ToString();

    /// <summary>Messages dropped at the server's own queue cap; the guard keeps this at 0.</summary>
    public long DroppedMessages => _queues.Dropped;

    /// <summary>Starts on <paramref name="port"/>, or on a free loopback port when it is 0, with the default limits.</summary>
    public static Task<EmbeddedBroker> StartAsync(int port, ILogger logger, CancellationToken cancellationToken) =>
        StartAsync(new EmbeddedBrokerSettings { Port = port }, logger, cancellationToken);

    public static async Task<EmbeddedBroker> StartAsync(EmbeddedBrokerSettings settings, ILogger logger, CancellationToken cancellationToken)
    {
        var chosen = settings.Port == 0 ? FreeLoopbackPort() : settings.Port;
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
            .WithDefaultEndpointPort(chosen)
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(SubscriberQueueGuard.ServerCap(settings.MaxQueuedMessagesPerClient))
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var queues = new SubscriberQueueGuard(server, settings.MaxQueuedMessagesPerClient, logger);
        var access = settings.IdentitiesPath is null ? null : new BrokerAccessControl(settings.IdentitiesPath, logger);
        if (access is not null)
        {
            server.ValidatingConnectionAsync += access.ValidateConnectionAsync;
            server.InterceptingSubscriptionAsync += access.InterceptSubscriptionAsync;
        }

        server.InterceptingPublishAsync += args =>
        {
            if (args.ApplicationMessage.Payload.Length > settings.MaxPacketBytes)
            {
                args.ProcessPublish = false;
                args.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
                args.Response.ReasonString = $"payload of {args.ApplicationMessage.Payload.Length} bytes exceeds the broker's limit of {settings.MaxPacketBytes}";
            }
            else if (access?.RefuseIfNotAllowed(args) != true)
            {
                queues.RefuseIfSubscriberFull(args);
            }

            return Task.CompletedTask;
        };
        cancellationToken.ThrowIfCancellationRequested();
        await server.StartAsync();
        logger.LogInformation("embedded MQTT broker listening on 127.0.0.1:{Port}", chosen);
        return new EmbeddedBroker(server, queues, chosen);
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
