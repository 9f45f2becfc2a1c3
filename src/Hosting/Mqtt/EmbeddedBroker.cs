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
    private readonly DurableSubscriptions? _durable;
    private readonly ILogger _logger;
    private volatile bool _stopping;
    private long _heldBack;
    private bool _stopped;

    private EmbeddedBroker(MqttServer server, SubscriberQueueGuard queues, DurableSubscriptions? durable, int port, ILogger logger)
    {
        _server = server;
        _queues = queues;
        _durable = durable;
        _logger = logger;
        Port = port;
    }

    public int Port { get; }

    public string Host => IPAddress.Loopback.ToString();

    /// <summary>Messages dropped at the server's own queue cap; the guard keeps this at 0.</summary>
    public long DroppedMessages => _queues.Dropped;

    /// <summary>Publishes refused with "not now" because the broker was stopping or awaited a subscriber from before its restart.</summary>
    public long HeldBackPublishes => Interlocked.Read(ref _heldBack);

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
                .WithClientCertificates(settings.ClientAuthority)
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
        var durable = settings.StateFolder is null ? null : DurableSubscriptions.Open(settings.StateFolder, TimeProvider.System, logger);
        var broker = new EmbeddedBroker(server, queues, durable, chosen, logger);
        server.SessionDeletedAsync += args =>
        {
            rate.Forget(args.Id);
            durable?.SessionDeleted(args.Id);
            return Task.CompletedTask;
        };
        if (access is not null)
        {
            server.ValidatingConnectionAsync += access.ValidateConnectionAsync;
            server.InterceptingSubscriptionAsync += access.InterceptSubscriptionAsync;
        }

        if (durable is not null)
        {
            server.ValidatingConnectionAsync += args =>
            {
                if (args.ReasonCode == MqttConnectReasonCode.Success)
                {
                    durable.Connected(args.ClientId, args.CleanSession != false, args.SessionExpiryInterval);
                }

                return Task.CompletedTask;
            };
            server.ClientSubscribedTopicAsync += args =>
            {
                durable.Subscribed(args.ClientId, args.TopicFilter.Topic);
                return Task.CompletedTask;
            };
            server.ClientUnsubscribedTopicAsync += args =>
            {
                durable.Unsubscribed(args.ClientId, args.TopicFilter);
                return Task.CompletedTask;
            };
        }

        // Registered after access control, which may refuse the connection: only an admitted client takes a session over.
        server.ValidatingConnectionAsync += args => SessionHandover.CloseEarlierConnectionAsync(server, args);
        server.InterceptingPublishAsync += args =>
        {
            if (args.ApplicationMessage.Payload.Length > settings.MaxPacketBytes)
            {
                args.ProcessPublish = false;
                args.Response.ReasonCode = MqttPubAckReasonCode.ImplementationSpecificError;
                args.Response.ReasonString = $"payload of {args.ApplicationMessage.Payload.Length} bytes exceeds the broker's limit of {settings.MaxPacketBytes}";
            }
            else if (access?.RefuseIfNotAllowed(args) != true && !rate.RefuseIfOverRate(args) && !broker.HoldBackIfNotDeliverable(args))
            {
                queues.RefuseIfSubscriberFull(args);
            }

            return Task.CompletedTask;
        };
        cancellationToken.ThrowIfCancellationRequested();
        await server.StartAsync();
        logger.LogInformation("embedded MQTT broker listening on 127.0.0.1:{Port} ({Transport}, {Access})", chosen,
            settings.TlsCertificate is null ? "plain TCP" : settings.ClientAuthority is null ? "TLS" : "mutual TLS", access is null ? "open to any client" : "identities only");
        return broker;
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

    /// <summary>
    /// Stops without losing what it acknowledged, as far as it can: from now on publishes are refused with "quota
    /// exceeded" (publishers keep them and offer them again to the next broker), every connected subscriber is given
    /// up to <paramref name="drainTimeout"/> to acknowledge what is queued for it, and the subscriptions of persistent
    /// sessions are saved for the next start. False when something was still queued at the timeout (it is lost, and
    /// logged).
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan drainTimeout, CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            return true;
        }

        _stopping = true;
        var delivered = await WaitForDeliveryAsync(drainTimeout, cancellationToken);
        foreach (var (clientId, messages) in _queues.AllOutstanding())
        {
            _logger.LogWarning("embedded broker stops with {Messages} acknowledged QoS 1 messages still queued for {Client}; they live in memory and are lost",
                messages, clientId);
        }

        _durable?.Stopping((await _server.GetClientsAsync()).Select(c => c.Id));
        await _server.StopAsync();
        _stopped = true;
        return delivered;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero);
        _server.Dispose();
    }

    /// <summary>
    /// Refuses, with the "not now" that publishers retry, a publish the broker could not deliver as promised: any
    /// publish while it stops, and a non-retained one that a persistent subscriber from before a restart has not
    /// subscribed again to receive. True if refused.
    /// </summary>
    private bool HoldBackIfNotDeliverable(InterceptingPublishEventArgs args)
    {
        string? reason = null;
        if (_stopping)
        {
            reason = "the broker is stopping; publish again once it is back";
        }
        else if (!args.ApplicationMessage.Retain && args.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce
            && _durable?.AwaitedSubscriberOf(args.ApplicationMessage.Topic) is { } awaited)
        {
            reason = $"subscriber {awaited} has not subscribed again since the broker restarted; publish again later";
        }

        if (reason is null)
        {
            return false;
        }

        Interlocked.Increment(ref _heldBack);
        args.ProcessPublish = false;
        args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
        args.Response.ReasonString = reason;
        return true;
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
