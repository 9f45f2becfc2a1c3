using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Devices;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation;
using Pipeline.EdgeAgent.Status;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// One edge agent: drives its device (of a kind from <see cref="DeviceKindRegistry"/>, simulated or replayed), streams
/// what it records through its on-disk outbox at QoS 1 (nothing is lost while the broker is away or the agent restarts), follows model
/// announcements for its task and runs the current model on every session or frame. Several can run in one
/// process (one per configured device). It owns its MQTT connection and all its loops, which end with it.
/// </summary>
public sealed class EdgeAgentWorker : BackgroundService
{
    private static readonly TimeSpan GoodbyeTimeout = TimeSpan.FromSeconds(3);

    private readonly EdgeAgentOptions _options;
    private readonly IDeviceKind _kind;
    private readonly ILearningTask _task;
    private readonly MqttConnectionFactory _connections;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly AgentTelemetry _telemetry;
    private readonly ModelSlot _models = new();

    // Opened when the agent starts; read by snapshots from any thread.
    private volatile DiskOutbox? _outbox;

    /// <param name="kinds">The device kinds the host knows; <see cref="EdgeAgentOptions.Kind"/> picks this agent's, and with it its task.</param>
    /// <param name="instruments">The host's agent meter; agents made outside a host count on one no exporter reads.</param>
    public EdgeAgentWorker(EdgeAgentOptions options, DeviceKindRegistry kinds, MqttConnectionFactory connections, TimeProvider time, ILoggerFactory loggers,
        AgentTelemetryInstruments? instruments = null)
    {
        if (options.Problems(EdgeAgentFleetOptions.SingleSection, kinds) is { Count: > 0 } errors)
        {
            throw new ArgumentException($"invalid agent options: {string.Join("; ", errors)}", nameof(options));
        }

        _options = options;
        (_kind, _task) = kinds.Find(options.Kind);
        _connections = connections;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger($"EdgeAgent.{options.DeviceId}");
        _telemetry = new AgentTelemetry(instruments ?? AgentTelemetryInstruments.Unexported, options.DeviceId);
        _telemetry.Observe(Snapshot);
    }

    public string DeviceId => _options.DeviceId;

    /// <summary>The learning task this device feeds and runs models of: its kind's (see <see cref="DeviceKindRegistry"/>).</summary>
    public string LearningTask => _task.Name;

    public int? ModelVersion => _models.Version;

    /// <summary>Inputs dropped because inference fell behind sampling.</summary>
    public long InferenceDrops => _telemetry.InferenceDrops;

    public AgentSnapshot Snapshot() => new(
        _options.DeviceId,
        _task.Name,
        _models.Version,
        _telemetry.Predictions,
        _telemetry.CorrectPredictions,
        _telemetry.SamplesSent,
        _telemetry.FramesSent,
        _telemetry.Rejections,
        _outbox?.Depth ?? 0,
        _outbox?.DroppedMessages ?? 0,
        _telemetry.SwingsDetected,
        _telemetry.SwingsMissed,
        _telemetry.FalseSwingDetections,
        _telemetry.ModelChunksFetched);

    public override void Dispose()
    {
        _telemetry.Dispose();
        _models.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var outbox = DiskOutbox.Open(_options.OutboxFolder, _options.OutboxMaxBytes, _loggers.CreateLogger($"EdgeAgent.{_options.DeviceId}.Outbox"), _time);
        _outbox = outbox;
        using var status = new StatusReporter(_options.Site, _options.DeviceId, _task.Name, _time, () => outbox.Depth);
        var clientId = Identity.DeviceName(_options.Site, _options.DeviceId);
        await using var connection = _connections.Create(clientId, status.CreateWill());
        var store = new LastGoodModelStore(_options.ResolvedDataFolder);
        var download = new ChunkedArtifactDownload(new MqttChunkSource(connection), _time, _logger)
        {
            ChunksInFlight = _options.ModelFetchChunksInFlight,
            BytesPerSecond = _options.ModelFetchBytesPerSecond,
            ChunkTimeout = _options.ArtifactTimeout,
            ChunkFetched = _ => _telemetry.ModelChunkFetched(),
        };
        var updater = new ModelUpdater(_options, _task, _models, store, download, status, connection, _telemetry, _logger);
        var inference = new InferenceLoop(_options, _task, _models, connection, _telemetry, _logger);
        var publisher = new OutboxPublisher(outbox, connection, _options.OutboxInFlight);
        var clock = new SimulatedClock(_time, _options.SpeedFactor);
        var streamer = _kind.CreateStreamer(new DeviceContext(_options, _task, outbox, clock, _telemetry, _logger));

        var startMessage = await updater.LoadLastGoodAsync(stoppingToken);

        // Sampling starts before the broker answers: what the device records waits in the outbox until it does.
        using var loops = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        List<Task> running =
        [
            Task.Run(() => streamer.RunAsync(inference, loops.Token), CancellationToken.None),
            Task.Run(() => inference.RunAsync(loops.Token), CancellationToken.None),
            Task.Run(() => publisher.RunAsync(loops.Token), CancellationToken.None),
        ];
        try
        {
            // The broker may be away for hours: a loop that fails meanwhile must stop the agent now, not once it answers.
            await WatchingLoopsAsync(connection.ConnectAsync(stoppingToken), running);
            await WatchingLoopsAsync(updater.SubscribeAsync(stoppingToken), running);
            await WatchingLoopsAsync(status.WatchOwnStatusAsync(connection, stoppingToken), running);
            await status.PublishAsync(connection, DeviceState.Online, _models.Version, startMessage, stoppingToken);
            _logger.LogInformation("{Device} ({Kind}) online at {Site}: {Message}", _options.DeviceId, _options.Kind, _options.Site, startMessage);

            running.Add(Task.Run(() => updater.RunAsync(loops.Token), CancellationToken.None));
            running.Add(Task.Run(() => status.KeepOnlineAsync(connection, loops.Token), CancellationToken.None));
            running.Add(Task.Run(() => status.ReportOutboxDepthAsync(connection, _options.StatusInterval, loops.Token), CancellationToken.None));

            // The streamer may finish on its own (MaxSessions); any loop failing stops the whole agent.
            await WatchingLoopsAsync(step: null, running);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped while still coming online (connecting, subscribing, saying it is online): a stop all the same,
            // which a host must not see as a failed service.
        }
        finally
        {
            await loops.CancelAsync();
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await SayGoodbyeAsync(status, connection);
        }
    }

    /// <summary>
    /// Awaits <paramref name="step"/> (or, when it is null, the end of every loop) while watching <paramref name="loops"/>:
    /// a loop that fails first stops the agent with its error logged; loops that finish on their own, or are cancelled
    /// by a stop, are let go.
    /// </summary>
    private async Task WatchingLoopsAsync(Task? step, IReadOnlyList<Task> loops)
    {
        var watched = new List<Task>(loops);
        while (step is not null || watched.Count > 0)
        {
            var finished = await Task.WhenAny(step is null ? watched : [step, .. watched]);
            if (finished == step)
            {
                await step;
                return;
            }

            watched.Remove(finished);
            if (finished.IsFaulted)
            {
                _logger.LogError(finished.Exception, "{Device}: a loop failed; the agent stops", _options.DeviceId);
                await finished;
            }
        }
    }

    /// <summary>A clean stop says "offline" itself; the broker only publishes the will when the link dies uncleanly.</summary>
    private async Task SayGoodbyeAsync(StatusReporter status, MqttConnection connection)
    {
        // Not skipped when the link is down: cancelling an in-flight publish can drop it, and the connection's
        // reconnect loop usually restores it within the timeout, in time to replace the will with "stopped".
        using var timeout = new CancellationTokenSource(GoodbyeTimeout);
        try
        {
            await status.PublishAsync(connection, DeviceState.Offline, _models.Version, "stopped", timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or MqttPublishException)
        {
            _logger.LogWarning("{Device}: could not publish the offline status: {Error}", _options.DeviceId, e.Message);
        }
    }
}
