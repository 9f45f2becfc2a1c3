using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.Runner.Observing;

/// <summary>
/// What the broker tells a read-only observer: every device's retained status (and when it was last heard from), each
/// task's announced model manifest, and the devices' predictions, tallied per model version (<see cref="LiveAccuracy"/>).
/// It connects as an observer identity with a session that ends when it disconnects, so the broker never queues
/// predictions for an observer that has gone. Bad messages are counted and skipped.
/// </summary>
internal sealed class FleetObserver : IAsyncDisposable
{
    private readonly MqttConnection _connection;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ObservedDevice> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ModelManifest> _manifests = new(StringComparer.Ordinal);
    private readonly LiveAccuracyTally _live = new();
    private long _undecodable;

    private FleetObserver(MqttConnection connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <summary>Messages that did not decode (a device's bad status or prediction); never fatal.</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

    /// <summary>
    /// Connects as <paramref name="identity"/> to the broker <paramref name="broker"/> describes and subscribes; returns once
    /// subscribed, when the broker has sent (or is sending) what it retains.
    /// </summary>
    public static async Task<FleetObserver> StartAsync(BrokerOptions broker, string identity, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        var ephemeral = new BrokerOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            CredentialsFolder = broker.CredentialsFolder,
            CaCertificate = broker.CaCertificate,
            ReconnectMaxDelay = broker.ReconnectMaxDelay,
            SessionExpiry = TimeSpan.Zero,
        };
        var observer = new FleetObserver(new MqttConnectionFactory(ephemeral, loggers).Create(identity), time);
        try
        {
            await observer._connection.ConnectAsync(cancellationToken);
            await observer._connection.SubscribeAsync(Topics.AllDevices(TelemetryStream.Status), observer.OnStatusAsync, cancellationToken);
            await observer._connection.SubscribeAsync(Topics.AllDevices(TelemetryStream.Predictions), observer.OnPredictionAsync, cancellationToken);
            await observer._connection.SubscribeAsync($"{Topics.Root}/models/+/manifest", observer.OnManifestAsync, cancellationToken);
            return observer;
        }
        catch
        {
            await observer.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every device heard from, by id.</summary>
    public IReadOnlyList<ObservedDevice> Devices => [.. _devices.Values.OrderBy(d => d.Status.DeviceId, StringComparer.Ordinal)];

    /// <summary>The manifest each task announced last.</summary>
    public IReadOnlyList<ModelManifest> Manifests => [.. _manifests.Values.OrderBy(m => m.Task, StringComparer.Ordinal)];

    public LiveAccuracyTally LiveAccuracy => _live;

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private Task OnStatusAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        var decoded = ControlMessageCodec.DecodeDeviceStatus(message.Payload);
        if (!decoded.IsSuccess)
        {
            Interlocked.Increment(ref _undecodable);
            return Task.CompletedTask;
        }

        var status = decoded.Value;
        // A retained status was sent before this observer subscribed, at a time its stamp cannot tell (a simulated device
        // stamps simulated time); a live one was heard now.
        DateTimeOffset? heard = message.Retain ? null : _time.GetUtcNow();
        _devices.AddOrUpdate(status.DeviceId, new ObservedDevice(status, heard),
            (_, seen) => status.TimestampMicros >= seen.Status.TimestampMicros ? new ObservedDevice(status, heard ?? seen.LastHeard) : seen);
        return Task.CompletedTask;
    }

    private Task OnPredictionAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        var decoded = ControlMessageCodec.DecodePrediction(message.Payload);
        if (!decoded.IsSuccess)
        {
            Interlocked.Increment(ref _undecodable);
            return Task.CompletedTask;
        }

        _live.Add(decoded.Value);
        if (_devices.TryGetValue(decoded.Value.DeviceId, out var seen))
        {
            _devices.TryUpdate(decoded.Value.DeviceId, seen with { LastHeard = _time.GetUtcNow() }, seen);
        }

        return Task.CompletedTask;
    }

    private Task OnManifestAsync(MqttIncomingMessage message, CancellationToken cancellationToken)
    {
        var decoded = ControlMessageCodec.DecodeModelManifest(message.Payload);
        if (!decoded.IsSuccess)
        {
            Interlocked.Increment(ref _undecodable);
            return Task.CompletedTask;
        }

        _manifests.AddOrUpdate(decoded.Value.Task, decoded.Value,
            (_, known) => decoded.Value.DecisionSequence >= known.DecisionSequence ? decoded.Value : known);
        return Task.CompletedTask;
    }
}
