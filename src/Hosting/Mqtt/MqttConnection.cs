using System.Buffers;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Hosting.Access;
using Polly;
using Pipeline.Protocol;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// One MQTT 5 client session that stays connected: a persistent session (clean start off, session expiry),
/// reconnects with jittered exponential backoff (<see cref="ReconnectPolicy"/>), re-subscribes when the broker lost the session, and
/// publishes at QoS 1, returning only once the broker acknowledged (PUBACK). MQTTnet v5 has no managed
/// client, hence this class.
/// Register subscriptions (<see cref="SubscribeAsync"/>, which waits for the connection) before or while calling
/// <see cref="ConnectAsync"/>: a resumed session delivers its queued messages right after CONNACK, and a message
/// that arrives with no handler registered for it is acknowledged and ignored.
/// A subscription is either acknowledged automatically, after its handler returns (<see cref="SubscribeAsync"/>), or
/// manually (<see cref="SubscribeManuallyAcknowledgedAsync"/>): then the receive path moves on as soon as the handler
/// returns, and up to <see cref="ReceiveMaximum"/> messages can be in flight while the receiver works on them.
/// </summary>
public sealed class MqttConnection : IAsyncDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly BrokerOptions _broker;
    private readonly string _clientId;
    private readonly MqttWill? _will;

    // The identity's secret; the username is always the client id, which is how brokers bind a session to an identity.
    private readonly string? _secret;

    // Set when the broker is reached over TLS: the only authority its certificate may chain to.
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? _authority;

    // Presented over TLS when the identity has one, for brokers that require client certificates.
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2? _clientCertificate;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly ResiliencePipeline<bool> _reconnect;
    private readonly Dictionary<string, (bool Manual, Func<MqttDelivery, CancellationToken, Task> Handler)> _handlers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly CancellationTokenSource _lifetime = new();
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reconnectLoop;

    // Counts connections: an acknowledgement owed from an earlier connection is not sent, because packet
    // identifiers are reused and the broker redelivers that message on the resumed session anyway.
    private int _connectionNumber;

    public MqttConnection(BrokerOptions broker, string clientId, ILogger logger, MqttWill? will = null)
    {
        _broker = broker;
        _clientId = clientId;
        _will = will;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _reconnect = ReconnectPolicy.Create(broker, clientId, logger);
        _secret = broker.SecretFor(clientId);
        _authority = broker.CaCertificate.Length > 0 ? BrokerCertificates.LoadAuthority(broker.CaCertificate) : null;
        _clientCertificate = _authority is null ? null : broker.ClientCertificateFor(clientId);
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public string ClientId => _clientId;

    public bool IsConnected => _client.IsConnected;

    /// <summary>
    /// The MQTT 5 receive maximum sent on connect: how many unacknowledged QoS 1 messages the broker may have in
    /// flight to us (0 leaves the broker's default). Matters for manually acknowledged subscriptions; set it before connecting.
    /// </summary>
    public ushort ReceiveMaximum { get; set; }

    /// <summary>Connects, retrying until the broker answers or <paramref name="cancellationToken"/> fires.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _reconnect.ExecuteAsync(async ct => await TryConnectOnceAsync(ct), cancellationToken);
        _reconnectLoop ??= Task.Run(() => KeepConnectedAsync(_lifetime.Token), CancellationToken.None);
    }

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
        }

        var attempt = 0;
        while (true)
        {
            await WaitConnectedAsync(cancellationToken);
            try
            {
                await SubscribeOnBrokerAsync([filter], cancellationToken);
                return;
            }
            catch (Exception e) when (e is not MqttPublishException && !cancellationToken.IsCancellationRequested)
            {
                // The link dropped before the SUBACK; the reconnect re-subscribes only if the broker lost the session, so ask again.
                _logger.LogDebug(e, "subscribe to {Filter} interrupted; retrying", filter);
                await Task.Delay(ReconnectPolicy.RetryDelay(attempt++, _broker), cancellationToken);
            }
        }
    }

    /// <summary>Stops delivering <paramref name="filter"/> to its handler and tells the broker, if connected.</summary>
    public async Task UnsubscribeAsync(string filter, CancellationToken cancellationToken)
    {
        lock (_handlers)
        {
            _handlers.Remove(filter);
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

    /// <summary>Publishes at QoS 1 and returns after the broker's PUBACK; waits through disconnections.</summary>
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
        var attempt = 0;
        while (true)
        {
            await WaitConnectedAsync(cancellationToken);
            MqttClientPublishResult result;
            try
            {
                // MQTTnet tears the whole connection down when a publish in flight is cancelled, which would make the
                // broker fire our last will. So the caller's token only stops our waiting; the publish itself runs on.
                var inFlight = _client.PublishAsync(message, _lifetime.Token);
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
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The connection dropped with the PUBACK outstanding: publish again (at-least-once; receivers de-duplicate).
                _logger.LogDebug(e, "publish to {Topic} interrupted; retrying", topic);
                await Task.Delay(ReconnectPolicy.RetryDelay(attempt++, _broker), cancellationToken);
                continue;
            }

            if (result.IsSuccess || result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                return;
            }

            if (IsTransientRefusal(result.ReasonCode))
            {
                // The broker cannot take it now (a subscriber's queue is full): the message is not acknowledged, so
                // the caller still holds it. Back off and offer it again; this is how a full queue pushes back.
                if (attempt == 0)
                {
                    _logger.LogInformation("broker is holding back publishes to {Topic} ({Code} {Reason}); retrying with backoff", topic, result.ReasonCode, result.ReasonString);
                }

                await Task.Delay(ReconnectPolicy.RetryDelay(attempt++, _broker), cancellationToken);
                continue;
            }

            throw new MqttPublishException($"broker refused publish to {topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    /// <summary>The one refusal that says "not now" rather than "never": the broker's queue for a subscriber is full.</summary>
    public static bool IsTransientRefusal(MqttClientPublishReasonCode code) => code == MqttClientPublishReasonCode.QuotaExceeded;

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync();
        _connected.TrySetCanceled();
        if (_reconnectLoop is not null)
        {
            await _reconnectLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_client.IsConnected)
        {
            try
            {
                // Restated on DISCONNECT so that leaving cleanly never shortens the persistent session (MQTT 5 allows
                // a DISCONNECT to change it); the broker keeps queuing QoS 1 messages for us until we return.
                // Bounded: a broker that stopped answering must not hold up a shutdown.
                using var timeout = new CancellationTokenSource(DisconnectTimeout);
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder()
                    .WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection)
                    .WithSessionExpiryInterval((uint)_broker.SessionExpirySeconds)
                    .Build(), timeout.Token);
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "disconnect of {ClientId} failed", _clientId);
            }
        }

        _client.Dispose();
        _authority?.Dispose();
        _clientCertificate?.Dispose();
        _connectLock.Dispose();
        _lifetime.Dispose();
    }

    private Task WaitConnectedAsync(CancellationToken cancellationToken) =>
        _client.IsConnected ? Task.CompletedTask : _connected.Task.WaitAsync(cancellationToken);

    private async Task<bool> TryConnectOnceAsync(CancellationToken cancellationToken)
    {
        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_client.IsConnected)
            {
                return true;
            }

            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer(_broker.Host, _broker.Port)
                .WithClientId(_clientId)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanStart(false)
                .WithSessionExpiryInterval((uint)_broker.SessionExpirySeconds)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(_broker.KeepAliveSeconds))
                .WithMaximumPacketSize((uint)_broker.MaxPacketBytes)
                .WithTimeout(_broker.ResponseTimeout);
            if (_secret is not null)
            {
                builder = builder.WithCredentials(_clientId, _secret);
            }

            if (_authority is { } authority)
            {
                builder = builder.WithTlsOptions(tls =>
                {
                    tls.UseTls().WithTargetHost(_broker.Host)
                        .WithCertificateValidationHandler(check => BrokerCertificates.ValidateServer(check.Certificate, check.SslPolicyErrors, authority));
                    if (_clientCertificate is not null)
                    {
                        tls.WithClientCertificates([_clientCertificate]);
                    }
                });
            }

            if (ReceiveMaximum > 0)
            {
                builder = builder.WithReceiveMaximum(ReceiveMaximum);
            }

            if (_will is not null)
            {
                builder = builder.WithWillTopic(_will.Topic).WithWillPayload(_will.Payload)
                    .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithWillRetain(true);
            }

            var options = builder.Build();
            ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = _broker.SocketBufferBytes;
            MqttClientConnectResult result;
            try
            {
                result = await _client.ConnectAsync(options, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogDebug("connect of {ClientId} to {Host}:{Port} failed: {Error}", _clientId, _broker.Host, _broker.Port, e.Message);
                return false;
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                _logger.LogWarning("broker {Host}:{Port} refused {ClientId}: {Code} {Reason}", _broker.Host, _broker.Port, _clientId, result.ResultCode, result.ReasonString);
                return false;
            }

            if (!result.IsSessionPresent)
            {
                string[] filters;
                lock (_handlers)
                {
                    filters = [.. _handlers.Keys];
                }

                if (filters.Length > 0)
                {
                    await SubscribeOnBrokerAsync(filters, cancellationToken);
                }
            }

            _connected.TrySetResult();
            _logger.LogDebug("{ClientId} connected to {Host}:{Port} (session present: {Present})", _clientId, _broker.Host, _broker.Port, result.IsSessionPresent);
            return true;
        }
        finally
        {
            _connectLock.Release();
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
        foreach (var item in result.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new MqttPublishException($"broker refused subscription to {item.TopicFilter.Topic}: {item.ResultCode}");
            }
        }
    }

    private async Task KeepConnectedAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!_client.IsConnected)
                {
                    await _reconnect.ExecuteAsync(async ct => await TryConnectOnceAsync(ct), cancellationToken);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        Interlocked.Increment(ref _connectionNumber);
        if (_connected.Task.IsCompleted && !_lifetime.IsCancellationRequested)
        {
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _logger.LogInformation("{ClientId} lost the broker ({Reason}); reconnecting", _clientId, args.Reason);
        }

        return Task.CompletedTask;
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        var incoming = new MqttIncomingMessage(message.Topic, message.Payload.ToArray(), message.Retain);
        (bool Manual, Func<MqttDelivery, CancellationToken, Task> Handler)[] matching;
        lock (_handlers)
        {
            matching = [.. _handlers.Where(h => MqttTopicFilterComparer.Compare(message.Topic, Topics.MatchingFilter(h.Key)) == MqttTopicFilterCompareResult.IsMatch).Select(h => h.Value)];
        }

        // With several matching manual subscriptions, the PUBACK goes out once every one of them acknowledged.
        var owed = matching.Count(m => m.Manual);
        Func<CancellationToken, Task>? acknowledgeShared = null;
        if (owed > 0)
        {
            args.AutoAcknowledge = false;
            var connection = Volatile.Read(ref _connectionNumber);
            acknowledgeShared = ct => Interlocked.Decrement(ref owed) == 0 ? AcknowledgeAsync(args, connection, ct) : Task.CompletedTask;
        }

        foreach (var (manual, handler) in matching)
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
}
