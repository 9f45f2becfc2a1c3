using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Polly;
using Pipeline.Hosting.Observability;
using Pipeline.Protocol;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// One MQTT 5 client session that stays connected: a persistent session (clean start off, session expiry),
/// reconnects when the client reports the link lost, re-subscribes when the broker lost the session, and
/// publishes at QoS 1, returning only once the broker acknowledged (PUBACK). Connecting, reconnecting, publishing and
/// subscribing all retry through one pipeline (<see cref="BrokerRetryPipeline"/>). MQTTnet v5 has no managed
/// client, hence this class. Created by <see cref="MqttConnectionFactory"/>, which sets transport and credentials.
/// Register subscriptions (<see cref="SubscribeAsync"/>, which waits for the connection) before or while calling
/// <see cref="ConnectAsync"/>: a resumed session delivers its queued messages right after CONNACK, and a message
/// that arrives with no handler registered for it is acknowledged and ignored.
/// A subscription is either acknowledged automatically, after its handler returns (<see cref="SubscribeAsync"/>), or
/// manually (<see cref="SubscribeManuallyAcknowledgedAsync"/>): then the receive path moves on as soon as the handler
/// returns, and up to the receive maximum given to <see cref="MqttConnectionFactory.Create"/> messages can be in flight
/// while the receiver works on them.
/// When the broker ends the link because another client with the same client id connected (MQTT 5 reason 0x8E, session
/// taken over), this connection logs an error naming the client id and stays disconnected: reconnecting would take the
/// session back, and the two instances would take it from each other in turn. <see cref="SessionTakenOver"/> tells,
/// and the broker health check reports it.
/// </summary>
public sealed class MqttConnection : IAsyncDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A broker that does not send the reason (mosquitto 2.0.11 closes the older connection without a DISCONNECT) still
    /// shows a takeover: two instances with one client id each take the session back at once, so every link of both
    /// ends within milliseconds of its CONNACK. This many links in a row, each closed by the broker within
    /// <see cref="ShortLinkWindow"/> of connecting, count as a takeover; a broker restart or a network cut does not
    /// end five fresh links in a row so soon.
    /// </summary>
    internal const int ShortLinkLimit = 5;

    internal static readonly TimeSpan ShortLinkWindow = TimeSpan.FromSeconds(1);

    private readonly BrokerOptions _broker;
    private readonly string _clientId;
    private readonly MqttClientOptions _options;

    // The TLS authority and client certificate the options refer to; this connection owns them.
    private readonly IReadOnlyList<IDisposable?> _owned;
    private readonly ILogger _logger;
    private readonly MqttTelemetry _telemetry;
    private readonly IMqttClient _client;
    private readonly ResiliencePipeline _retry;
    private readonly Dictionary<string, (bool Manual, Func<MqttDelivery, CancellationToken, Task> Handler)> _handlers = new(StringComparer.Ordinal);

    // The handlers as the receive path reads them, rebuilt under _handlers' lock whenever they change: every message is
    // matched against them, without a lock or a per-message copy, and shared subscriptions' filters are unwrapped once.
    private Route[] _routes = [];

    // Filters with a handler that the broker has not yet granted on the current session (guarded by _handlers' lock):
    // until it has, messages on them are not delivered to us, so the connection is not ready for its work.
    private readonly HashSet<string> _unconfirmed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly Lock _reconnectGate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The latest reconnect started by a lost link; each waits for the one before it, so at most one runs.
    private Task _reconnecting = Task.CompletedTask;
    private bool _disposing;
    private volatile bool _sessionTakenOver;

    // When the current link was established, and how many links in a row ended within ShortLinkWindow of that.
    private long _connectedAt;
    private int _shortLinks;

    // Counts connections: an acknowledgement owed from an earlier connection is not sent, because packet
    // identifiers are reused and the broker redelivers that message on the resumed session anyway.
    private int _connectionNumber;

    internal MqttConnection(IMqttClient client, MqttClientOptions options, BrokerOptions broker, ILogger logger, IReadOnlyList<IDisposable?> owned, MqttTelemetry telemetry)
    {
        _telemetry = telemetry;
        _client = client;
        _options = options;
        _broker = broker;
        _clientId = options.ClientId;
        _logger = logger;
        _owned = owned;
        _retry = BrokerRetryPipeline.Create(broker, _clientId, logger, _lifetime.Token);
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
        telemetry.Opened(this);
    }

    public string ClientId => _clientId;

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// The subscriptions the broker has not granted yet on this session (asked for, or lost with a session the broker
    /// dropped, or refused), in order. A message published to one of them before it is granted never reaches us.
    /// </summary>
    public IReadOnlyList<string> UnconfirmedSubscriptions
    {
        get
        {
            lock (_handlers)
            {
                return [.. _unconfirmed.Order(StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>Whether another client with this client id took the session over; this connection then no longer reconnects.</summary>
    public bool SessionTakenOver => _sessionTakenOver;

    /// <summary>Connects, retrying until the broker answers or <paramref name="cancellationToken"/> fires; from then on a lost link is reconnected.</summary>
    public Task ConnectAsync(CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(static (connection, ct) => connection.ConnectOnceAsync(ct), this, cancellationToken).AsTask();

    /// <summary>Subscribes at QoS 1. The handler runs on the receive path: the message is acknowledged after it returns.</summary>
    public Task SubscribeAsync(string filter, Func<MqttIncomingMessage, CancellationToken, Task> handler, CancellationToken cancellationToken) =>
        SubscribeAsync(filter, false, (delivery, ct) => handler(delivery.Message, ct), cancellationToken);

    /// <summary>
    /// Subscribes at QoS 1 with manual acknowledgement: the handler runs on the receive path and should only hand the
    /// delivery on (awaiting a full queue there is how the receiver pushes back; the broker then holds the rest).
    /// The broker gets its PUBACK when <see cref="MqttDelivery.AcknowledgeAsync"/> is called; a delivery never
    /// acknowledged, or whose handler throws, is redelivered after the next reconnect.
    /// </summary>
    public Task SubscribeManuallyAcknowledgedAsync(string filter, Func<MqttDelivery, CancellationToken, Task> handler, CancellationToken cancellationToken) =>
        SubscribeAsync(filter, true, handler, cancellationToken);

    private async Task SubscribeAsync(string filter, bool manual, Func<MqttDelivery, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        lock (_handlers)
        {
            _handlers[filter] = (manual, handler);
            _unconfirmed.Add(filter);
            RebuildRoutes();
        }

        // A link that drops before the SUBACK fails the attempt; the reconnect re-subscribes only if the broker lost the
        // session, so the retry asks again.
        await _retry.ExecuteAsync(static async (state, ct) =>
        {
            await state.Connection.WaitConnectedAsync(ct);
            await state.Connection.SubscribeOnBrokerAsync([state.Filter], ct);
        }, (Connection: this, Filter: filter), cancellationToken);
    }

    /// <summary>Stops delivering <paramref name="filter"/> to its handler and tells the broker, if connected.</summary>
    public async Task UnsubscribeAsync(string filter, CancellationToken cancellationToken)
    {
        lock (_handlers)
        {
            _handlers.Remove(filter);
            _unconfirmed.Remove(filter);
            RebuildRoutes();
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build(), cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Without a handler, later deliveries are ignored; a lost UNSUBACK only costs traffic.
                _logger.LogDebug(e, "unsubscribe from {Filter} failed", filter);
            }
        }
    }

    /// <summary>
    /// Publishes at QoS 1 and returns after the broker's PUBACK; waits through disconnections, and offers the message
    /// again while the broker refuses it with "quota exceeded". Throws <see cref="MqttPublishException"/> for a refusal for good.
    /// </summary>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        // Built directly rather than through MqttApplicationMessageBuilder: this runs once per message on the outbox's hot path.
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(payload),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Retain = retain,
        };
        await _retry.ExecuteAsync(static (state, ct) => state.Connection.PublishOnceAsync(state.Message, ct), (Connection: this, Message: message), cancellationToken);
    }

    private async ValueTask PublishOnceAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        await WaitConnectedAsync(cancellationToken);

        // MQTTnet tears the whole connection down when a publish in flight is cancelled, which would make the broker
        // fire our last will. So the caller's token only stops our waiting; the publish itself runs on. A link that
        // drops with the PUBACK outstanding fails the attempt, and the retry publishes again (at-least-once; receivers
        // de-duplicate).
        var inFlight = _client.PublishAsync(message, _lifetime.Token);
        MqttClientPublishResult result;
        try
        {
            result = await inFlight.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Nobody awaits the abandoned publish any more: observe its failure, should it fail. Only here, so
            // that a publish awaited to its end (nearly all of them) costs no continuation.
            _ = inFlight.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }

        if (result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            _telemetry.Published(_clientId);
            return;
        }

        if (IsTransientRefusal(result.ReasonCode))
        {
            // The broker cannot take it now (a subscriber's queue is full): the message is not acknowledged, so the
            // caller still holds it, and the retry offers it again after a backoff. This is how a full queue pushes back.
            throw new BrokerNotReadyException($"broker is holding back publishes to {message.Topic}", $"{result.ReasonCode} {result.ReasonString}");
        }

        throw new MqttPublishException($"broker refused publish to {message.Topic}: {result.ReasonCode} {result.ReasonString}");
    }

    /// <summary>The one refusal that says "not now" rather than "never": the broker's queue for a subscriber is full.</summary>
    public static bool IsTransientRefusal(MqttClientPublishReasonCode code) => code == MqttClientPublishReasonCode.QuotaExceeded;

    public async ValueTask DisposeAsync()
    {
        _telemetry.Closed(this);
        Task reconnecting;
        lock (_reconnectGate)
        {
            _disposing = true;
            reconnecting = _reconnecting;
        }

        await _lifetime.CancelAsync();
        _connected.TrySetCanceled();
        await reconnecting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        if (_client.IsConnected)
        {
            try
            {
                // Restated on DISCONNECT so that leaving cleanly never shortens the persistent session (MQTT 5 allows
                // a DISCONNECT to change it); the broker keeps queuing QoS 1 messages for us until we return.
                // Bounded: a broker that stopped answering must not hold up a shutdown.
                using var timeout = new CancellationTokenSource(DisconnectTimeout);
                await SettleAcknowledgementsAsync(timeout.Token);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder()
                    .WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection)
                    .WithSessionExpiryInterval((uint)_broker.SessionExpiry.TotalSeconds)
                    .Build(), timeout.Token);
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "disconnect of {ClientId} failed", _clientId);
            }
        }

        _client.Dispose();
        foreach (var owned in _owned)
        {
            owned?.Dispose();
        }

        _connectLock.Dispose();
        _lifetime.Dispose();
    }

    /// <summary>
    /// Waits until the broker has read every acknowledgement sent so far. The last ones may still sit unread in its socket
    /// buffer when we leave; should a connection with this client id arrive first, the broker hands it the session and
    /// never reads them, so it redelivers what they acknowledged. A broker answers a PINGREQ only after the packets sent
    /// before it, so its reply means it has them all.
    /// </summary>
    private async Task SettleAcknowledgementsAsync(CancellationToken cancellationToken)
    {
        if (!Volatile.Read(ref _routes).Any(r => r.Manual))
        {
            return;
        }

        try
        {
            await _client.PingAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug(e, "{ClientId}: the broker did not answer a ping before disconnecting; it redelivers what it did not read", _clientId);
        }
    }

    private Task WaitConnectedAsync(CancellationToken cancellationToken) =>
        _client.IsConnected ? Task.CompletedTask : _connected.Task.WaitAsync(cancellationToken);

    /// <summary>One connect attempt: done when connected (now or already), throws for the retry when not.</summary>
    private async ValueTask ConnectOnceAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_client.IsConnected)
            {
                _connected.TrySetResult();
                return;
            }

            MqttClientConnectResult result;
            try
            {
                result = await _client.ConnectAsync(_options, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new BrokerNotReadyException($"cannot reach {_broker.Host}:{_broker.Port}", e.Message);
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                _logger.LogWarning("broker {Host}:{Port} refused {ClientId}: {Code} {Reason}", _broker.Host, _broker.Port, _clientId, result.ResultCode, result.ReasonString);
                throw new BrokerNotReadyException($"cannot reach {_broker.Host}:{_broker.Port}", "the broker did not accept the connection");
            }

            if (!result.IsSessionPresent)
            {
                await ResubscribeAsync(cancellationToken);
            }

            Volatile.Write(ref _connectedAt, Stopwatch.GetTimestamp());
            _connected.TrySetResult();
            _logger.LogDebug("{ClientId} connected to {Host}:{Port} (session present: {Present})", _clientId, _broker.Host, _broker.Port, result.IsSessionPresent);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>The broker lost the session (or never had it): subscribe to every registered filter again.</summary>
    private async Task ResubscribeAsync(CancellationToken cancellationToken)
    {
        string[] filters;
        lock (_handlers)
        {
            filters = [.. _handlers.Keys];
            _unconfirmed.UnionWith(filters);
        }

        if (filters.Length == 0)
        {
            return;
        }

        try
        {
            await SubscribeOnBrokerAsync(filters, cancellationToken);
        }
        catch (MqttPublishException e)
        {
            // Nobody waits on a re-subscription to be told; a first subscription reports the refusal to its caller itself.
            _logger.LogError("{ClientId}: {Error}", _clientId, e.Message);
        }
    }

    private async Task SubscribeOnBrokerAsync(IEnumerable<string> filters, CancellationToken cancellationToken)
    {
        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in filters)
        {
            builder = builder.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        var result = await _client.SubscribeAsync(builder.Build(), cancellationToken);
        lock (_handlers)
        {
            foreach (var item in result.Items.Where(i => i.ResultCode <= MqttClientSubscribeResultCode.GrantedQoS2))
            {
                _unconfirmed.Remove(item.TopicFilter.Topic);
            }
        }

        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new MqttPublishException($"broker refused subscription to {item.TopicFilter.Topic}: {item.ResultCode}");
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        Interlocked.Increment(ref _connectionNumber);

        // A failed connect attempt reports a disconnect too (the client was not connected): the retry owns that one.
        if (!args.ClientWasConnected)
        {
            return Task.CompletedTask;
        }

        lock (_reconnectGate)
        {
            if (_disposing)
            {
                return Task.CompletedTask;
            }

            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            _telemetry.Disconnected(_clientId, args.Reason.ToString());
            _shortLinks = Stopwatch.GetElapsedTime(Volatile.Read(ref _connectedAt)) < ShortLinkWindow ? _shortLinks + 1 : 1;
            if (args.Reason == MqttClientDisconnectReason.SessionTakenOver || _shortLinks >= ShortLinkLimit)
            {
                // Both instances would otherwise reconnect and take the session from each other for as long as both run,
                // each losing the messages in flight every time. Publishes and subscriptions wait (until their callers
                // give up); the health check reports it.
                _sessionTakenOver = true;
                _logger.LogError("another instance connected to {Host}:{Port} with client id {ClientId} and took over its session ({Evidence}); this one stops reconnecting. Give each instance its own client id.",
                    _broker.Host, _broker.Port, _clientId,
                    args.Reason == MqttClientDisconnectReason.SessionTakenOver
                        ? "the broker said so, MQTT 5 reason 0x8E"
                        : $"the broker closed {_shortLinks} links in a row, each within {ShortLinkWindow.TotalSeconds:0.#} s of connecting");
                return Task.CompletedTask;
            }

            _logger.LogInformation("{ClientId} lost the broker ({Reason}); reconnecting", _clientId, args.Reason);

            // Not awaited here: the client raises this event on its own connection path, which must not wait for the broker.
            var previous = _reconnecting;
            _reconnecting = Task.Run(() => ReconnectAfterAsync(previous), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task ReconnectAfterAsync(Task previous)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await _retry.ExecuteAsync(static (connection, ct) => connection.ConnectOnceAsync(ct), this, _lifetime.Token);
        }
        catch (Exception) when (_lifetime.IsCancellationRequested)
        {
            // Disposed while reconnecting: nothing more to do.
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var incoming = new MqttIncomingMessage(message.Topic, PayloadOf(message), message.Retain);
        var routes = Volatile.Read(ref _routes);
        // With several matching manual subscriptions, the PUBACK goes out once every one of them acknowledged.
        var matching = new List<Route>(1);
        var owed = 0;
        foreach (var route in routes)
        {
            if (route.Admits(message.Topic) && MqttTopicFilterComparer.Compare(message.Topic, route.Matching) == MqttTopicFilterCompareResult.IsMatch)
            {
                matching.Add(route);
                owed += route.Manual ? 1 : 0;
            }
        }

        Func<CancellationToken, Task>? acknowledgeShared = null;
        if (owed > 0)
        {
            args.AutoAcknowledge = false;
            var connection = Volatile.Read(ref _connectionNumber);
            acknowledgeShared = ct => Interlocked.Decrement(ref owed) == 0 ? AcknowledgeAsync(args, connection, ct) : Task.CompletedTask;
        }

        foreach (var (_, manual, handler) in matching)
        {
            try
            {
                await handler(new MqttDelivery(incoming, manual ? acknowledgeShared! : static _ => Task.CompletedTask), _lifetime.Token);
            }
            catch (Exception e) when (!_lifetime.IsCancellationRequested)
            {
                // A handler's failure must not kill the receive loop; handlers quarantine their own bad input.
                _logger.LogError(e, "handler for {Topic} failed", message.Topic);
            }
        }
    }

    /// <summary>
    /// The payload as an array the receiver owns. MQTTnet copies each received PUBLISH's payload out of its packet buffer
    /// into an array of its own, so that array is taken as it is: a copy per message less to allocate and to keep while
    /// the receiver holds the message (thousands at a time in ingest). A payload that is not exactly one whole array is copied.
    /// </summary>
    private static byte[] PayloadOf(MqttApplicationMessage message)
    {
        var payload = message.Payload;
        return payload.IsSingleSegment && MemoryMarshal.TryGetArray(payload.First, out var whole) && whole.Offset == 0 && whole.Count == whole.Array!.Length
            ? whole.Array
            : payload.ToArray();
    }

    /// <summary>Called under _handlers' lock.</summary>
    private void RebuildRoutes() =>
        Volatile.Write(ref _routes, [.. _handlers.Select(h => new Route(Topics.MatchingFilter(h.Key), h.Value.Manual, h.Value.Handler))]);

    private async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs args, int connection, CancellationToken cancellationToken)
    {
        if (connection != Volatile.Read(ref _connectionNumber) || !_client.IsConnected)
        {
            return;
        }

        try
        {
            await args.AcknowledgeAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug(e, "acknowledging a message on {Topic} failed; the broker redelivers it", args.ApplicationMessage.Topic);
        }
    }

    /// <summary>A handler and the topic filter messages are matched against (a shared subscription's, without "$share/group/").</summary>
    private sealed record Route(string Matching, bool Manual, Func<MqttDelivery, CancellationToken, Task> Handler)
    {
        // A filter whose last level is a name (not a wildcard) matches only topics that end with it: a test of a few
        // characters that spares most messages the full comparison against the filters they cannot match.
        private readonly string? _literalTail = Matching.Split('/') is [.., var last] && last is not ("+" or "#")
            ? (Matching.Contains('/') ? "/" + last : last)
            : null;

        /// <summary>False when the topic cannot match the filter; true when it may (the full comparison decides).</summary>
        public bool Admits(string topic) => _literalTail is null || topic.EndsWith(_literalTail, StringComparison.Ordinal);
    }
}
