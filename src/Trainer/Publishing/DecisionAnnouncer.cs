using Microsoft.Extensions.Logging;
using Pipeline.Protocol;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Publishing;

/// <summary>
/// The one way models reach devices: announces a task's latest decision from the registry's decision log, as the
/// version it names with the decision (sequence and kind) signed into its manifest. A version blessed since the latest
/// decision is decided first (a publish), so a blessed round and a trainer that stopped between storing a version and
/// announcing it end the same way. The trainer calls this after each blessed round, at start (again, since retained
/// messages do not survive a broker without persistence), and every Trainer:DecisionPollInterval, which is how a
/// rollback or promotion recorded by `pipeline models` goes out.
/// </summary>
internal sealed class DecisionAnnouncer(ModelRegistry registry, ModelPublisher publisher, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, long> _announced = new(StringComparer.Ordinal);

    /// <summary>
    /// Announces <paramref name="task"/>'s latest decision unless this announcer already did (or even then, with
    /// <paramref name="again"/>); returns the decision it announced, or null.
    /// </summary>
    public async Task<RecordedDecision?> AnnounceAsync(string task, bool again, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (registry.Undecided(task) is { } blessed)
            {
                registry.Decide(task, blessed.Version, ModelDecision.Publish, NowMicros());
            }

            var decisions = registry.Decisions(task);
            if (decisions.Count == 0)
            {
                return null;
            }

            var latest = decisions[^1];
            if (!again && _announced.TryGetValue(task, out var done) && done >= latest.Sequence)
            {
                return null;
            }

            var (manifest, problem) = registry.Manifest(task, latest.Version);
            if (manifest is null)
            {
                // Not retried: the files will not mend themselves, and devices keep what they run meanwhile.
                logger.LogError("decision {Sequence} ({Kind}) to run {Task} v{Version} cannot be announced: {Problem}; devices keep the model they run",
                    latest.Sequence, latest.Kind, task, latest.Version, problem);
                _announced[task] = latest.Sequence;
                return null;
            }

            await publisher.PublishAsync(manifest with { Decision = new ModelDecision(latest.Sequence, latest.Kind) }, registry.ReadArtifact(manifest),
                Superseded(task, decisions), cancellationToken);
            _announced[task] = latest.Sequence;
            registry.RecordAnnounced(task, latest.Sequence);
            logger.LogInformation("announced {Task} v{Version} ({Kind}, decision {Sequence})", task, latest.Version, latest.Kind, latest.Sequence);
            return latest;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Announces, every <paramref name="interval"/>, a decision recorded in the registry by another process
    /// (`pipeline models rollback|promote`), until cancelled. A failure (the broker away) is logged and tried again at the next poll.
    /// </summary>
    public async Task WatchAsync(IReadOnlyList<string> tasks, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var task in tasks)
            {
                try
                {
                    await AnnounceAsync(task, again: false, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning("announcing the latest {Task} decision failed; trying again in {Seconds} s: {Error}", task, interval.TotalSeconds, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// The version whose retained chunks go once the latest decision is announced: the third distinct version, counting
    /// back from the latest decision. Each announcement clears the one it pushes out of the last two, so only those two
    /// stay retained: the current version, and the one a rollback (or a promotion back) goes to.
    /// </summary>
    private ModelManifest? Superseded(string task, IReadOnlyList<RecordedDecision> decisions)
    {
        var recent = decisions.Reverse().Select(d => d.Version).Distinct().Take(3).ToList();
        return recent.Count < 3 ? null : registry.Manifest(task, recent[2]).Manifest;
    }

    public void Dispose() => _gate.Dispose();

    private long NowMicros() => (time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;
}
