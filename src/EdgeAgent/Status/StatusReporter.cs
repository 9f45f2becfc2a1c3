using System.Threading.Channels;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Status;

/// <summary>
/// Publishes the device's retained <see cref="DeviceStatus"/>, provides the matching "offline" last will,
/// says "online" again after the broker published that will while the agent was still running, and keeps the
/// outbox depth it reports current. Statuses go out one at a time, each stamped as it goes: the retained one (the last
/// to arrive) is then always the newest, and a repeat for the outbox depth can never bring back a model or fetch that
/// a status published meanwhile had moved on from.
/// </summary>
internal sealed class StatusReporter : IDisposable
{
    private const int MaxMessageLength = 256;

    private readonly string _deviceId;
    private readonly string _task;
    private readonly TimeProvider _time;
    private readonly Func<int> _outboxDepth;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private DeviceStatus? _lastOnline;
    private int? _fetching;
    private ModelRefusal? _lastRefusal;

    // Publishing from inside a receive handler would wait on an acknowledgement that same handler holds up.
    private readonly Channel<bool> _offlineSeen = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    public StatusReporter(string site, string deviceId, string task, TimeProvider time, Func<int> outboxDepth)
    {
        _outboxDepth = outboxDepth;
        _deviceId = deviceId;
        _task = task;
        _time = time;
        Topic = Topics.Status(site, deviceId);
    }

    public string Topic { get; }

    /// <summary>From the next status on, says the device is fetching <paramref name="version"/>.</summary>
    public void Fetching(int version)
    {
        lock (_gate)
        {
            _fetching = version;
        }
    }

    /// <summary>From the next status on, says the device fetches nothing and, if given, which model it refused last and why.</summary>
    public void FetchEnded(ModelRefusal? refusal = null)
    {
        lock (_gate)
        {
            _fetching = null;
            _lastRefusal = refusal is null ? _lastRefusal : refusal with { Reason = Clip(refusal.Reason)! };
        }
    }

    public MqttWill CreateWill() =>
        new(Topic, ControlMessageCodec.Encode(Create(DeviceState.Offline, null, "connection lost without a goodbye")));

    /// <summary>Publishes the device's state, the model it runs and what it is doing; later repeats (<see cref="KeepOnlineAsync"/>) say the same.</summary>
    public Task PublishAsync(MqttConnection connection, DeviceState state, int? modelVersion, string? message, CancellationToken cancellationToken) =>
        SendAsync(connection, () => Create(state, modelVersion, message), cancellationToken);

    public void Dispose() => _publishing.Dispose();

    /// <summary>The last online status again, with the current outbox depth, fetch and refusal, if there was one and <paramref name="worthIt"/> says so.</summary>
    private Task RepeatOnlineAsync(MqttConnection connection, Func<DeviceStatus, bool> worthIt, CancellationToken cancellationToken) =>
        SendAsync(connection, () =>
        {
            DeviceStatus? last;
            lock (_gate)
            {
                last = _lastOnline;
            }

            return last is not null && worthIt(last) ? Create(DeviceState.Online, last.ModelVersion, last.Message) : null;
        }, cancellationToken);

    /// <summary>Composes (null: nothing to say) and publishes one status while no other is composed or on its way.</summary>
    private async Task SendAsync(MqttConnection connection, Func<DeviceStatus?> compose, CancellationToken cancellationToken)
    {
        await _publishing.WaitAsync(cancellationToken);
        try
        {
            if (compose() is not { } status)
            {
                return;
            }

            if (status.State == DeviceState.Online)
            {
                lock (_gate)
                {
                    _lastOnline = status;
                }
            }

            await connection.PublishAsync(Topic, ControlMessageCodec.Encode(status), retain: true, cancellationToken);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>
    /// Watches this device's own status topic. When the link drops uncleanly the broker publishes the will
    /// ("offline"), and the agent, still running, receives it once it is back (queued in its session, or as the
    /// retained message on resubscription); <see cref="KeepOnlineAsync"/> then says "online" again.
    /// </summary>
    public Task WatchOwnStatusAsync(MqttConnection connection, CancellationToken cancellationToken) =>
        connection.SubscribeAsync(Topic, (message, _) =>
        {
            if (ControlMessageCodec.DecodeDeviceStatus(message.Payload) is { IsSuccess: true, Value.State: DeviceState.Offline })
            {
                _offlineSeen.Writer.TryWrite(true);
            }

            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>Re-publishes the last online status whenever the broker says this device is offline, until cancelled.</summary>
    public async Task KeepOnlineAsync(MqttConnection connection, CancellationToken cancellationToken)
    {
        await foreach (var _ in _offlineSeen.Reader.ReadAllAsync(cancellationToken))
        {
            await RepeatOnlineAsync(connection, _ => true, cancellationToken);
        }
    }

    /// <summary>
    /// Every <paramref name="interval"/>, re-publishes the last online status if the outbox depth changed since it was
    /// published, so the retained status shows a backlog growing during an outage and draining after it.
    /// </summary>
    public async Task ReportOutboxDepthAsync(MqttConnection connection, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await RepeatOnlineAsync(connection, last => last.OutboxDepth != _outboxDepth(), cancellationToken);
        }
    }

    // The will is built once, with the connection, so the depth it reports is the depth at that moment.
    private DeviceStatus Create(DeviceState state, int? modelVersion, string? message)
    {
        lock (_gate)
        {
            return new(_deviceId, _task, state, _time.GetUtcNow().ToUnixTimeMilliseconds() * 1000, OutboxDepth: _outboxDepth(), ModelVersion: modelVersion,
                Message: Clip(message), FetchingVersion: _fetching, LastRefusal: _lastRefusal);
        }
    }

    private static string? Clip(string? text) => text is { Length: > MaxMessageLength } ? text[..(MaxMessageLength - 1)] + "…" : text;
}
