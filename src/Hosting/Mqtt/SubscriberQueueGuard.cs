using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// Keeps the embedded broker from dropping QoS 1 messages it acknowledged. MQTTnet caps each session's queue and,
/// when it is full, silently drops a message although the publisher got its PUBACK. This guard refuses a publish
/// (PUBACK "quota exceeded", which <see cref="MqttConnection"/> and so the edge outbox treat as "keep it and retry")
/// once any session subscribed to its topic holds <see cref="MaxQueuedMessages"/> undelivered messages, well below
/// the server's own cap, so the cap is never reached: a slow or absent subscriber pushes back on publishers instead
/// of losing their data. Should the cap be reached anyway, the loss is logged as an error, never silent.
/// </summary>
internal sealed class SubscriberQueueGuard
{
    private readonly MqttServer _server;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Subscriber> _subscribers = new(StringComparer.Ordinal);

    // QoS 1 messages queued for each client and not yet acknowledged by it: what the broker alone still holds.
    private readonly ConcurrentDictionary<string, StrongBox<long>> _outstanding = new(StringComparer.Ordinal);
    private long _dropped;

    public SubscriberQueueGuard(MqttServer server, int maxQueuedMessages, ILogger logger)
    {
        _server = server;
        _logger = logger;
        MaxQueuedMessages = maxQueuedMessages;
        server.ClientSubscribedTopicAsync += OnSubscribedAsync;
        server.ClientUnsubscribedTopicAsync += OnUnsubscribedAsync;
        server.SessionDeletedAsync += OnSessionDeletedAsync;
        server.ApplicationMessageEnqueuedOrDroppedAsync += OnEnqueuedOrDroppedAsync;
        server.ClientAcknowledgedPublishPacketAsync += OnAcknowledgedAsync;
    }

    /// <summary>QoS 1 messages the broker queued for <paramref name="clientId"/> that it has not acknowledged yet.</summary>
    public long Outstanding(string clientId) => _outstanding.TryGetValue(clientId, out var count) ? Math.Max(0, Interlocked.Read(ref count.Value)) : 0;

    /// <summary>Every client with messages outstanding, and how many.</summary>
    public IReadOnlyList<(string ClientId, long Messages)> AllOutstanding() =>
        [.. _outstanding.Select(o => (o.Key, Math.Max(0, Interlocked.Read(ref o.Value.Value)))).Where(o => o.Item2 > 0)];

    public int MaxQueuedMessages { get; }

    /// <summary>The server's own per-session cap: twice the guard's limit, so concurrent publishers cannot reach it.</summary>
    public static int ServerCap(int maxQueuedMessages) => maxQueuedMessages > int.MaxValue / 2 ? int.MaxValue : maxQueuedMessages * 2;

    /// <summary>Messages the server dropped at its cap (should stay 0).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Refuses <paramref name="args"/> with "quota exceeded" when a subscriber of its topic is full; true if refused.</summary>
    public bool RefuseIfSubscriberFull(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        if (message.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce)
        {
            return false;
        }

        foreach (var (clientId, subscriber) in _subscribers)
        {
            if (subscriber.Status is not { } status || status.PendingApplicationMessagesCount < MaxQueuedMessages || !subscriber.Matches(message.Topic))
            {
                continue;
            }

            args.ProcessPublish = false;
            args.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
            args.Response.ReasonString = $"the queue of subscriber {clientId} is full ({MaxQueuedMessages} messages); publish again later";
            return true;
        }

        return false;
    }

    private async Task OnSubscribedAsync(ClientSubscribedTopicEventArgs args)
    {
        var subscriber = _subscribers.GetOrAdd(args.ClientId, _ => new Subscriber());
        subscriber.Add(args.TopicFilter.Topic);
        subscriber.Status ??= await _server.GetSessionAsync(args.ClientId);
    }

    private Task OnUnsubscribedAsync(ClientUnsubscribedTopicEventArgs args)
    {
        if (_subscribers.TryGetValue(args.ClientId, out var subscriber))
        {
            subscriber.Remove(args.TopicFilter);
        }

        return Task.CompletedTask;
    }

    private Task OnSessionDeletedAsync(SessionDeletedEventArgs args)
    {
        _subscribers.TryRemove(args.Id, out _);
        _outstanding.TryRemove(args.Id, out _);
        return Task.CompletedTask;
    }

    private Task OnEnqueuedOrDroppedAsync(ApplicationMessageEnqueuedEventArgs args)
    {
        if (!args.IsDropped && args.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce)
        {
            Interlocked.Increment(ref _outstanding.GetOrAdd(args.ReceiverClientId, _ => new StrongBox<long>()).Value);
        }

        if (args.IsDropped)
        {
            Interlocked.Increment(ref _dropped);
            _logger.LogError("embedded broker dropped a message on {Topic} for {Client}: its queue reached the server cap; the publisher was already acknowledged",
                args.ApplicationMessage.Topic, args.ReceiverClientId);
        }

        return Task.CompletedTask;
    }

    private Task OnAcknowledgedAsync(ClientAcknowledgedPublishPacketEventArgs args)
    {
        // A retained message delivered on subscribe is sent without passing the enqueue event, with its retain flag
        // set; live deliveries are sent with it cleared (no subscription asks for retain-as-published), so only
        // those were counted.
        if (!args.PublishPacket.Retain && _outstanding.TryGetValue(args.ClientId, out var count))
        {
            Interlocked.Decrement(ref count.Value);
        }

        return Task.CompletedTask;
    }

    private sealed class Subscriber
    {
        private readonly HashSet<string> _filters = new(StringComparer.Ordinal);

        public MqttSessionStatus? Status { get; set; }

        public void Add(string filter)
        {
            lock (_filters)
            {
                _filters.Add(filter);
            }
        }

        public void Remove(string filter)
        {
            lock (_filters)
            {
                _filters.Remove(filter);
            }
        }

        public bool Matches(string topic)
        {
            lock (_filters)
            {
                foreach (var filter in _filters)
                {
                    if (MqttTopicFilterComparer.Compare(topic, filter) == MqttTopicFilterCompareResult.IsMatch)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
