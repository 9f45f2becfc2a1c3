using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Runner.Observing;
using Pipeline.Storage.Embedded;

namespace Pipeline.Runner.Status;

/// <summary>
/// Puts `pipeline status` together: connects to the broker as the status observer, takes what it retains (device
/// statuses, announced manifests), watches predictions and the embedded store over a window to measure rates, and reads
/// the model registry when the data folder is given. Nothing is logged, so `--json` output is JSON alone.
/// </summary>
internal static class StatusGathering
{
    public static async Task<StatusReport> GatherAsync(BrokerOptions broker, string? dataFolder, TimeSpan window, CancellationToken cancellationToken)
    {
        var unavailable = new List<string>();
        await using var observer = await FleetObserver.StartAsync(broker, ObserverIdentities.Status, NullLoggerFactory.Instance, TimeProvider.System, cancellationToken);
        await using var store = OpenStore(dataFolder, unavailable);
        var before = store is null ? null : await store.CountAsync(cancellationToken);
        var predictionsBefore = observer.LiveAccuracy.Snapshot();
        var started = TimeProvider.System.GetTimestamp();

        // Rates need two readings; retained statuses and manifests arrive meanwhile. The window is at least what was asked:
        // Task.Delay's timer counts coarser than the clock and ended one a millisecond or two early (0.998 s for 1 s).
        for (var left = window; left > TimeSpan.Zero; left = window - TimeProvider.System.GetElapsedTime(started))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), cancellationToken);
        }

        var after = store is null ? null : await store.CountAsync(cancellationToken);
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        var live = observer.LiveAccuracy.Snapshot();
        var devices = observer.Devices;
        var announced = observer.Manifests;

        IReadOnlyList<TaskModels> models = [];
        if (dataFolder is null)
        {
            unavailable.Add("model versions' held-out accuracy and the last round's decision (give --data with the deployment's data folder)");
        }
        else
        {
            models = new RegistryReader(dataFolder, TimeProvider.System).Read();
        }

        var predictions = live.Sum(l => l.Predictions) - predictionsBefore.Sum(l => l.Predictions);
        return new StatusReport(
            $"{broker.Host}:{broker.Port}",
            TimeProvider.System.GetUtcNow(),
            [.. devices.Select(d => new StatusDevice(d.Status.DeviceId, d.Status.Task, d.Status.State == DeviceState.Online ? "online" : "offline",
                d.Status.ModelVersion, d.Status.FetchingVersion, d.Status.OutboxDepth,
                d.Status.LastRefusal is { } r ? (r.Version is { } v ? $"v{v}: " : "") + r.Reason : null))],
            Versions(models, announced, devices),
            new StatusRates(seconds,
                Rate(before?.MotionSamples, after?.MotionSamples, seconds), Rate(before?.Frames, after?.Frames, seconds), Rate(before?.Labels, after?.Labels, seconds),
                predictions / seconds),
            [.. live.Select(l => new StatusLiveAccuracy(l.Task, l.Version, l.Predictions, l.Labelled, l.Accuracy))],
            LastDecisions(models),
            after is null ? null : new StatusStore(after.MotionSamples, after.Frames, after.Labels),
            unavailable);
    }

    private static EmbeddedTelemetryStore? OpenStore(string? dataFolder, List<string> unavailable)
    {
        if (dataFolder is null)
        {
            unavailable.Add("store contents and ingest rates (give --data with the data folder of a deployment on the embedded store)");
            return null;
        }

        try
        {
            return EmbeddedTelemetryStore.OpenReadOnly(Path.Combine(dataFolder, "store"));
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or InvalidDataException)
        {
            unavailable.Add($"store contents and ingest rates: {e.Message}");
            return null;
        }
    }

    private static double? Rate(long? before, long? after, double seconds) => before is { } b && after is { } a ? (a - b) / seconds : null;

    private static List<StatusVersion> Versions(IReadOnlyList<TaskModels> models, IReadOnlyList<ModelManifest> announced, IReadOnlyList<ObservedDevice> devices)
    {
        var keys = models.SelectMany(t => t.Versions.Select(v => (t.Task, v.Version)))
            .Concat(announced.Select(m => (m.Task, m.Version)))
            .Concat(devices.Where(d => d.Status.ModelVersion is not null).Select(d => (d.Status.Task, d.Status.ModelVersion!.Value)))
            .Distinct()
            .OrderBy(k => k.Item1, StringComparer.Ordinal).ThenByDescending(k => k.Item2);
        return [.. keys.Select(k => new StatusVersion(k.Item1, k.Item2,
            models.Any(t => t.Task == k.Item1 && t.Current == k.Item2),
            announced.Any(m => m.Task == k.Item1 && m.Version == k.Item2),
            models.Where(t => t.Task == k.Item1).SelectMany(t => t.Versions).FirstOrDefault(v => v.Version == k.Item2)?.Manifest?.Metrics.Accuracy
                ?? announced.FirstOrDefault(m => m.Task == k.Item1 && m.Version == k.Item2)?.Metrics.Accuracy,
            [.. devices.Where(d => d.Status.Task == k.Item1 && d.Status.ModelVersion == k.Item2).Select(d => d.Status.DeviceId)]))];
    }

    private static List<StatusDecision> LastDecisions(IReadOnlyList<TaskModels> models) =>
    [
        .. models.Select(t => t.Versions.Where(v => v.Card is not null).Select(v => (Name: $"v{v.Version}", Card: v.Card!))
                .Concat(t.Rejected.Where(r => r.Card is not null).Select(r => (Name: $"rejected/{r.Name}", Card: r.Card!)))
                .OrderBy(c => c.Card.CreatedAt, StringComparer.Ordinal)
                .LastOrDefault())
            .Where(c => c.Card is not null)
            .Select(c => new StatusDecision(c.Card.Task, c.Name, c.Card.CreatedAt, c.Card.Blessing.Blessed, c.Card.Blessing.Metric, c.Card.Blessing.CandidateScore,
                c.Card.Blessing.CurrentVersion, c.Card.Blessing.CurrentScoreOnSameData, c.Card.Blessing.Reason)),
    ];
}
