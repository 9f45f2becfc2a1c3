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

    private readonly ILogger _logger;

    private EmbeddedBroker(MqttServer server, SubscriberQueueGuard queues, int port, ILogger logger)
    {
        _server = server;
        _queues = queues;
        _logger = logger;
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
        var endpoint = settings.TlsCertificate is { } certificate
            ? new MqttServerOptionsBuilder()
                .WithoutDefaultEndpoint()
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
                .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
                .WithEncryptedEndpointPort(chosen)
                .WithEncryptionCertificate(certificate)
            : new MqttServerOptionsBuilder()
                .WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
                .WithDefaultEndpointBoundIPV6Address(IPAddress.None)
                .WithDefaultEndpointPort(chosen);
        var options = endpoint
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(SubscriberQueueGuard.ServerCap(settings.MaxQueuedMessagesPerClient))
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var queues = new SubscriberQueueGuard(server, settings.MaxQueuedMessagesPerClient, logger);
        var access = settings.IdentitiesPath is null ? null : new BrokerAccessControl(settings.IdentitiesPath, logger);
        var rate = new PublishRateLimiter(settings.MaxPublishesPerSecondPerClient, 2 * settings.MaxPublishesPerSecondPerClient, TimeProvider.System);
        server.SessionDeletedAsync += args =>
        {
            rate.Forget(args.Id);
            return Task.CompletedTask;
        };
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
            else if (access?.RefuseIfNotAllowed(args) != true && !rate.RefuseIfOverRate(args))
            {
                queues.RefuseIfSubscriberFull(args);
            }

            return Task.CompletedTask;
        };
        cancellationToken.ThrowIfCancellationRequested();
        await server.StartAsync();
        logger.LogInformation("embedded MQTT broker listening on 127.0.0.1:{Port} ({Transport}, {Access})", chosen,
            settings.TlsCertificate is null ? "plain TCP" : "TLS", access is null ? "open to any client" : "identities only");
        return new EmbeddedBroker(server, queues, chosen, logger);
    }

    public BrokerOptions ToOptions() => new() { Host = Host, Port = Port };

    /// <summary>
    /// Waits until every connected client has acknowledged every QoS 1 message queued for it: then this in-memory broker
    /// holds nothing that a publisher was told it delivered, and can stop without losing it. False at the timeout.
    /// </summary>
    public async Task<bool> WaitForDeliveryAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var connected = (await _server.GetClientsAsync()).Select(c => c.Id).ToList();
            if (connected.All(id => _queues.Outstanding(id) == 0))
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (clientId, messages) in _queues.AllOutstanding())
        {
            _logger.LogWarning("embedded broker stops with {Messages} acknowledged QoS 1 messages still queued for {Client}; they live in memory and are lost",
                messages, clientId);
        }

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
