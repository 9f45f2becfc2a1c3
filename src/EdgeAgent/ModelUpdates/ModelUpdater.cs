using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Status;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Protocol;

using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Follows the task's model announcements: for a manifest whose decision is newer than the running model's
/// (<see cref="ModelDecision"/>; a rollback's version is lower, its decision higher) that a trusted key signed
/// (<see cref="ModelManifestSigning"/>) it downloads the artifact chunk by chunk (<see cref="ChunkedArtifactDownload"/>), verifies size and checksum, loads it, smoke-checks it,
/// saves it as the last good model and swaps it in. Everything happens here, off the receive path and off the inference path; a model failing any
/// step is refused with a status message naming why, and the running model carries on.
/// </summary>
internal sealed class ModelUpdater
{
    private const int ManifestQueueCapacity = 4;
    private const int MaxRememberedRefusals = 256;

    private readonly EdgeAgentOptions _options;
    private readonly ILearningTask _task;
    private readonly ModelSlot _models;
    private readonly LastGoodModelStore _store;
    private readonly ChunkedArtifactDownload _download;
    private readonly StatusReporter _status;
    private readonly MqttConnection _connection;
    private readonly AgentTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly HashSet<(long Decision, int Version)> _refused = [];

    // The manifest of the running model: its decision is what a newer announcement must outrank.
    private ModelManifest? _running;

    // Only the newest announcements matter: when several arrive faster than models load, older ones are dropped.
    private readonly Channel<byte[]> _manifests = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(ManifestQueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ModelUpdater(
        EdgeAgentOptions options,
        ILearningTask task,
        ModelSlot models,
        LastGoodModelStore store,
        ChunkedArtifactDownload download,
        StatusReporter status,
        MqttConnection connection,
        AgentTelemetry telemetry,
        ILogger logger)
    {
        _options = options;
        _task = task;
        _models = models;
        _store = store;
        _download = download;
        _status = status;
        _connection = connection;
        _telemetry = telemetry;
        _logger = logger;
    }

    public Task SubscribeAsync(CancellationToken cancellationToken) =>
        _connection.SubscribeAsync(Topics.ModelManifest(_task.Name), (message, _) =>
        {
            _manifests.Writer.TryWrite(message.Payload);
            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>Loads the last good model from the data folder, if there is one; returns what happened, for the status message.</summary>
    public async Task<string> LoadLastGoodAsync(CancellationToken cancellationToken)
    {
        if (!_store.Exists)
        {
            return "started without a model: none stored yet";
        }

        var (manifest, artifact, error) = await _store.LoadAsync(cancellationToken);
        if (manifest is null || artifact is null)
        {
            return Refuse($"last good model refused: {error}");
        }

        // The file on disk is as untrusted as a message: someone may have replaced it, or the trusted keys changed.
        if (SignatureRefusal(manifest) is { } unsigned)
        {
            return Refuse($"last good model v{manifest.Version} refused: {unsigned}");
        }

        var refusal = await VerifyAndSwapAsync(manifest, artifact, cancellationToken);
        return refusal is null
            ? $"started with last good model v{manifest.Version} from {_store.Folder}"
            : Refuse($"last good model v{manifest.Version} refused: {refusal}");
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var payload in _manifests.Reader.ReadAllAsync(cancellationToken))
        {
            try
            {
                await HandleAsync(payload, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Whatever one announcement does, the next one is still handled and the running model carries on: a
                // retained manifest that threw here would otherwise stop the agent again at every restart.
                _logger.LogError(e, "{Device}: handling a model announcement failed; the running model carries on", _options.DeviceId);
                await RefuseAsync(null, $"refused a model announcement: {e.GetType().Name}: {e.Message}", cancellationToken);
            }
        }
    }

    private async Task HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        var decoded = ControlMessageCodec.DecodeModelManifest(payload);
        if (!decoded.IsSuccess)
        {
            await RefuseAsync(null, $"refused a model manifest: {decoded.Error.Message}", cancellationToken);
            return;
        }

        var manifest = decoded.Value;
        if (manifest.Task != _task.Name)
        {
            await RefuseAsync(manifest.Version, $"refused model v{manifest.Version}: it is for task \"{manifest.Task}\", this device runs \"{_task.Name}\"", cancellationToken);
            return;
        }

        // The running model's own announcement again (retained, seen at every reconnect), or, from a trainer that predates
        // decisions, a version not newer than the running one.
        if (_running is { } running && manifest.DecisionSequence == running.DecisionSequence && manifest.Version <= running.Version)
        {
            _logger.LogDebug("{Device}: ignoring model v{Version}, not newer than running v{Running}", _options.DeviceId, manifest.Version, running.Version);
            return;
        }

        if (_refused.Contains((manifest.DecisionSequence, manifest.Version)))
        {
            _logger.LogDebug("{Device}: ignoring model v{Version}, refused before", _options.DeviceId, manifest.Version);
            return;
        }

        // Checked before anything is fetched: an artifact nobody trusted vouches for is not worth the download. Not
        // remembered as refused, so the same version, signed once the keys are right, is still taken.
        if (SignatureRefusal(manifest) is { } unsigned)
        {
            await RefuseAsync(manifest.Version, $"refused model v{manifest.Version}: {unsigned}", cancellationToken);
            return;
        }

        // A signature holds forever, so an old announcement is refused by its order, not its signature.
        if (_running is { } current && manifest.DecisionSequence < current.DecisionSequence)
        {
            RememberRefused(manifest);
            await RefuseAsync(manifest.Version, $"refused model v{manifest.Version}: its decision ({Describe(manifest.Decision)}) is older than that of running v{current.Version} "
                + $"({Describe(current.Decision)}); an old announcement, replayed", cancellationToken);
            return;
        }

        // A newer decision for the model already running (announced again as a promotion, say): nothing to fetch, but the
        // decision is kept, so an announcement it outranks is refused after a restart too.
        if (_running is { } same && manifest.Version == same.Version && manifest.Sha256 == same.Sha256)
        {
            await _store.SaveManifestAsync(manifest, cancellationToken);
            _running = manifest;
            await _status.PublishAsync(_connection, DeviceState.Online, manifest.Version, $"running model v{manifest.Version} ({Describe(manifest.Decision)})", cancellationToken);
            return;
        }

        _logger.LogInformation("{Device}: model v{Version} announced; downloading it", _options.DeviceId, manifest.Version);
        _status.Fetching(manifest.Version);
        await _status.PublishAsync(_connection, DeviceState.Online, _models.Version, $"fetching model v{manifest.Version}", cancellationToken);
        byte[]? artifact;
        string? refusal;
        try
        {
            (artifact, refusal) = await _download.RunAsync(manifest, _options.ResolvedDataFolder, cancellationToken);
        }
        catch (TimeoutException e)
        {
            // Not remembered as refused: the chunk may simply be late, and a re-announcement (or a restart) resumes
            // from the chunks already on disk.
            await RefuseAsync(manifest.Version, $"refused model v{manifest.Version}: {e.Message}", cancellationToken);
            return;
        }

        if (artifact is null)
        {
            // A manifest without chunks is not remembered: the same version announced in chunks is still taken.
            if (manifest.Chunks is not null)
            {
                RememberRefused(manifest);
            }

            await RefuseAsync(manifest.Version, $"refused model v{manifest.Version}: {refusal}", cancellationToken);
            return;
        }

        _logger.LogInformation("{Device}: fetched model v{Version} ({Bytes} bytes); verifying it", _options.DeviceId, manifest.Version, artifact.Length);
        refusal = await VerifyAndSwapAsync(manifest, artifact, cancellationToken);
        PartialModelDownload.DeleteAll(_options.ResolvedDataFolder);
        if (refusal is not null)
        {
            RememberRefused(manifest);
            await RefuseAsync(manifest.Version, $"refused model v{manifest.Version}: {refusal}", cancellationToken);
            return;
        }

        try
        {
            await _store.SaveAsync(manifest, artifact, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("{Device}: model v{Version} is running but could not be saved to {Folder}: {Error}", _options.DeviceId, manifest.Version, _store.Folder, e.Message);
        }

        _logger.LogInformation("{Device}: now running model v{Version} ({Architecture}, {Decision})", _options.DeviceId, manifest.Version, manifest.Architecture, Describe(manifest.Decision));
        _status.FetchEnded();
        await _status.PublishAsync(_connection, DeviceState.Online, manifest.Version, $"running model v{manifest.Version} ({manifest.Architecture}, {Describe(manifest.Decision)})", cancellationToken);
    }

    /// <summary>Verifies, loads and smoke-checks the artifact and makes it current; null on success, else why it was refused.</summary>
    private async Task<string?> VerifyAndSwapAsync(ModelManifest manifest, byte[] artifact, CancellationToken cancellationToken)
    {
        if (artifact.LongLength != manifest.SizeBytes)
        {
            return $"artifact is {artifact.LongLength} bytes; the manifest says {manifest.SizeBytes} (truncated or padded)";
        }

        var sha256 = ModelArtifacts.Sha256Hex(artifact);
        if (sha256 != manifest.Sha256)
        {
            return $"artifact SHA-256 is {sha256}; the manifest says {manifest.Sha256} (corrupted or substituted)";
        }

        // Loading and the smoke check are CPU-heavy: keep them on the thread pool, away from the MQTT receive path.
        return await Task.Run(() =>
        {
            IInferenceModel model;
            try
            {
                model = ModelArtifacts.Load(artifact, manifest);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return $"artifact does not load: {e.Message}";
            }

            if (ModelSmokeCheck.Run(model, _task) is { } failure)
            {
                model.Dispose();
                return failure;
            }

            _models.Swap(model);
            _running = manifest;
            return null;
        }, cancellationToken);
    }

    /// <summary>Null when a key in the trusted folder signed exactly this manifest; read afresh each time, so a rotation needs no restart.</summary>
    private string? SignatureRefusal(ModelManifest manifest)
    {
        using var trusted = TrustedModelKeys.Load(_options.TrustedModelKeysFolder);
        foreach (var problem in trusted.Problems)
        {
            _logger.LogWarning("{Device}: a trusted model key was skipped: {Problem}", _options.DeviceId, problem);
        }

        return ModelManifestSigning.Verify(manifest, trusted);
    }

    private void RememberRefused(ModelManifest manifest)
    {
        if (_refused.Count >= MaxRememberedRefusals)
        {
            _refused.Clear();
        }

        _refused.Add((manifest.DecisionSequence, manifest.Version));
    }

    private static string Describe(ModelDecision? decision) => decision is null ? "no decision" : $"{decision.Kind} {decision.Sequence}";

    private string Refuse(string message)
    {
        _telemetry.ModelRefused();
        _logger.LogWarning("{Device}: {Message}", _options.DeviceId, message);
        return message;
    }

    private Task RefuseAsync(int? version, string message, CancellationToken cancellationToken)
    {
        _status.FetchEnded(new ModelRefusal(message, version));
        return _status.PublishAsync(_connection, DeviceState.Online, _models.Version, Refuse(message), cancellationToken);
    }
}
