using System.Collections.Concurrent;
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
    }

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
        return Task.CompletedTask;
    }

    private Task OnEnqueuedOrDroppedAsync(ApplicationMessageEnqueuedEventArgs args)
    {
        if (args.IsDropped)
        {
            Interlocked.Increment(ref _dropped);
            _logger.LogError("embedded broker dropped a message on {Topic} for {Client}: its queue reached the server cap; the publisher was already acknowledged",
                args.ApplicationMessage.Topic, args.ReceiverClientId);
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
