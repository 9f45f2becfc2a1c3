using System.Text.Json;
using Microsoft.Extensions.Logging;
using MQTTnet;
using Pipeline.Durability.Files;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// The embedded broker keeps sessions in memory, so a restart forgets who was subscribed: a device that reconnects
/// before ingest does would publish telemetry to a topic with no subscriber, get its PUBACK ("no matching
/// subscribers") and forget a message nobody received. This records every persistent session's topic filters in a
/// file, and after a restart holds back non-retained QoS 1 publishes that one of those sessions would have received
/// (refused with "quota exceeded", which publishers keep and retry) until that client has subscribed again or its
/// session has expired. Retained publishes are never held back: a returning subscriber gets them when it subscribes.
/// </summary>
internal sealed class DurableSubscriptions
{
    public const string FileName = "subscriptions.json";

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string ClientId, string Filter), DurableSubscription> _recorded = [];
    private readonly HashSet<(string ClientId, string Filter)> _awaited = [];
    private readonly Dictionary<string, uint> _sessionExpiry = new(StringComparer.Ordinal);

    // Read on every publish without the lock: once every subscriber is back, holding back costs nothing.
    private volatile bool _anyAwaited;

    private DurableSubscriptions(string path, TimeProvider time, ILogger logger)
    {
        _path = path;
        _time = time;
        _logger = logger;
    }

    /// <summary>Reads the subscriptions an earlier run of the broker recorded in <paramref name="folder"/>; each is awaited until its client subscribes again.</summary>
    public static DurableSubscriptions Open(string folder, TimeProvider time, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        var subscriptions = new DurableSubscriptions(Path.Combine(folder, FileName), time, logger);
        foreach (var subscription in subscriptions.ReadFile().Where(s => !s.HasExpired(time.GetUtcNow())))
        {
            subscriptions._recorded[(subscription.ClientId, subscription.TopicFilter)] = subscription;
            subscriptions._awaited.Add((subscription.ClientId, subscription.TopicFilter));
        }

        subscriptions._anyAwaited = subscriptions._awaited.Count > 0;
        if (subscriptions._anyAwaited)
        {
            logger.LogInformation("embedded broker awaits {Count} subscriptions of persistent sessions from before its restart ({Clients}); publishes they would receive are held back until they return",
                subscriptions._awaited.Count, string.Join(", ", subscriptions._awaited.Select(a => a.ClientId).Distinct()));
        }

        subscriptions.Save();
        return subscriptions;
    }

    /// <summary>A client connected: a clean start discards what its old session had; otherwise its session expiry is kept for its subscriptions.</summary>
    public void Connected(string clientId, bool cleanStart, uint sessionExpirySeconds)
    {
        lock (_gate)
        {
            if (cleanStart || sessionExpirySeconds == 0)
            {
                _sessionExpiry.Remove(clientId);
                ForgetLocked(clientId);
                return;
            }

            _sessionExpiry[clientId] = sessionExpirySeconds;
        }
    }

    public void Subscribed(string clientId, string filter)
    {
        lock (_gate)
        {
            _awaited.Remove((clientId, filter));
            _anyAwaited = _awaited.Count > 0;
            if (!_sessionExpiry.TryGetValue(clientId, out var expiry))
            {
                return;
            }

            _recorded[(clientId, filter)] = new DurableSubscription(clientId, filter, expiry, _time.GetUtcNow().ToUnixTimeSeconds());
            SaveLocked();
        }
    }

    public void Unsubscribed(string clientId, string filter)
    {
        lock (_gate)
        {
            _awaited.Remove((clientId, filter));
            _anyAwaited = _awaited.Count > 0;
            if (_recorded.Remove((clientId, filter)))
            {
                SaveLocked();
            }
        }
    }

    /// <summary>The broker deleted the client's session (it expired, or it was not persistent): nothing to await or keep.</summary>
    public void SessionDeleted(string clientId)
    {
        lock (_gate)
        {
            _sessionExpiry.Remove(clientId);
            ForgetLocked(clientId);
        }
    }

    /// <summary>
    /// The client of a subscription from before the restart that would receive a non-retained publish to
    /// <paramref name="topic"/> and has not subscribed again yet; null when none is awaited.
    /// </summary>
    public string? AwaitedSubscriberOf(string topic)
    {
        if (!_anyAwaited)
        {
            return null;
        }

        lock (_gate)
        {

            var now = _time.GetUtcNow();
            foreach (var awaited in _awaited)
            {
                if (_recorded.TryGetValue(awaited, out var subscription) && !subscription.HasExpired(now)
                    && MqttTopicFilterComparer.Compare(topic, awaited.Filter) == MqttTopicFilterCompareResult.IsMatch)
                {
                    return awaited.ClientId;
                }
            }

            return null;
        }
    }

    /// <summary>At a stop: the sessions of <paramref name="connectedClients"/> live on from now, so their expiry counts from now.</summary>
    public void Stopping(IEnumerable<string> connectedClients)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow().ToUnixTimeSeconds();
            foreach (var clientId in connectedClients)
            {
                foreach (var key in _recorded.Keys.Where(k => k.ClientId == clientId).ToList())
                {
                    _recorded[key] = _recorded[key] with { LastSeenUnixSeconds = now };
                }
            }

            SaveLocked();
        }
    }

    private void ForgetLocked(string clientId)
    {
        _awaited.RemoveWhere(a => a.ClientId == clientId);
        _anyAwaited = _awaited.Count > 0;
        var keys = _recorded.Keys.Where(k => k.ClientId == clientId).ToList();
        if (keys.Count == 0)
        {
            return;
        }

        foreach (var key in keys)
        {
            _recorded.Remove(key);
        }

        SaveLocked();
    }

    private void Save()
    {
        lock (_gate)
        {
            SaveLocked();
        }
    }

    private void SaveLocked()
    {
        // Replaced whole, so a crash leaves one whole file or the other.
        AtomicFile.Write(_path, file => JsonSerializer.Serialize(file, [.. _recorded.Values], BrokerStateJsonContext.Default.ListDurableSubscription));
    }

    private List<DurableSubscription> ReadFile()
    {
        if (!File.Exists(_path))
        {
            return [];
        }

        try
        {
            var subscriptions = JsonSerializer.Deserialize(File.ReadAllBytes(_path), BrokerStateJsonContext.Default.ListDurableSubscription) ?? [];
            return [.. subscriptions.Where(s => s is { ClientId.Length: > 0, TopicFilter.Length: > 0, SessionExpirySeconds: > 0 })];
        }
        catch (JsonException e)
        {
            // Unreadable state must not keep the broker from starting; without it, a restart is as forgetful as before.
            _logger.LogError("embedded broker: {Path} is not a valid subscriptions file ({Error}); starting without the subscriptions of earlier sessions", _path, e.Message);
            return [];
        }
    }
}
