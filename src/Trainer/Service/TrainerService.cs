using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks;
using Pipeline.Trainer.Observability;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Trainer.Service;

/// <summary>
/// The continuous trainer: for each task, waits until the store holds enough labelled data, trains a round,
/// evaluates, blesses and publishes. With Rounds &gt; 0 it completes after that many rounds per task.
/// </summary>
public sealed class TrainerService(IOptions<TrainerOptions> options, ITelemetryStore store, TaskRegistry tasks, MqttConnectionFactory connections, TrainerTelemetry telemetry,
    TimeProvider time, ILogger<TrainerService> logger)
    : BackgroundService
{
    private readonly List<RoundResult> _results = [];

    /// <summary>Raised after each round, on the trainer's loop.</summary>
    public event Action<RoundResult>? RoundCompleted;

    /// <summary>Raised after each epoch of a round (its number, its task, the epoch), on the training thread.</summary>
    public event Action<int, string, EpochProgress>? EpochCompleted;

    public IReadOnlyList<RoundResult> Results
    {
        get
        {
            lock (_results)
            {
                return [.. _results];
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var connection = connections.Create(settings.ClientId);
        await connection.ConnectAsync(stoppingToken);
        var registry = new ModelRegistry(settings.DataFolder, logger);
        using var writing = registry.LockForWriting();
        foreach (var task in settings.ResolvedTasks(tasks))
        {
            registry.ClearInterrupted(task);
        }

        var trustedFolder = settings.SigningKeyPath.Length > 0 ? TrainerOptions.TrustedModelKeysFolderBeside(settings.SigningKeyPath) : "";
        using var signingKey = settings.SigningKeyPath.Length > 0 ? ModelSigningKey.Ensure(settings.SigningKeyPath, trustedFolder) : null;
        if (signingKey is null)
        {
            logger.LogWarning("Trainer:SigningKeyPath is not set: models are announced unsigned, and devices refuse unsigned models");
        }
        else
        {
            logger.LogInformation("models are signed with key {KeyId} ({Path}); devices trust it from {Folder}", signingKey.KeyId, settings.SigningKeyPath, trustedFolder);
        }

        using var announcer = new DecisionAnnouncer(registry, new ModelPublisher(connection, signingKey, settings.ModelChunkBytes), time, logger);
        foreach (var task in settings.ResolvedTasks(tasks))
        {
            // Retained messages do not survive a broker without persistence (the embedded one), and a device that joins
            // before the next blessed round still needs a model; devices ignore a decision they already follow.
            await announcer.AnnounceAsync(task, again: true, stoppingToken);
        }

        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var watching = announcer.WatchAsync(settings.ResolvedTasks(tasks), settings.DecisionPollInterval, stopWatching.Token);
        try
        {
            await TrainAsync(settings, registry, announcer, stoppingToken);
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task TrainAsync(TrainerOptions settings, ModelRegistry registry, DecisionAnnouncer announcer, CancellationToken stoppingToken)
    {
        var round = new TrainingRound(settings, store, registry, announcer, time, logger, tasks, telemetry)
        {
            EpochCompleted = (number, task, progress) => EpochCompleted?.Invoke(number, task, progress),
        };
        var sessionsLastRound = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var number = 1; settings.Rounds == 0 || number <= settings.Rounds; number++)
        {
            foreach (var task in settings.ResolvedTasks(tasks))
            {
                var needed = sessionsLastRound.TryGetValue(task, out var last) ? (int)Math.Ceiling(last * (1 + settings.MinGrowthBetweenRounds)) : 0;
                DataReadiness ready;
                while (!(ready = await ReadinessAsync(round, task, stoppingToken)).ClassesCovered || ready.Sessions < needed)
                {
                    telemetry.Heartbeat();
                    logger.LogInformation("round {Round} {Task}: {Sessions} labelled sessions; waiting for {Min} in each of {Classes} classes and {Needed} in all",
                        number, task, ready.Sessions, settings.MinExamplesPerClass, settings.MinClasses, needed);
                    await Task.Delay(settings.PollInterval, time, stoppingToken);
                }

                sessionsLastRound[task] = ready.Sessions;
                var result = await RunIsolatedAsync(round, number, task, stoppingToken);
                lock (_results)
                {
                    _results.Add(result);
                }

                telemetry.RoundFinished(result);
                RoundCompleted?.Invoke(result);
            }
        }

        logger.LogInformation("trainer finished {Rounds} rounds", settings.Rounds);
    }

    /// <summary>
    /// What the store holds for <paramref name="task"/>; a store that cannot be read now (a server restarting) counts as
    /// holding nothing yet, so the trainer waits for it, and reports not ready meanwhile, instead of stopping.
    /// </summary>
    private async Task<DataReadiness> ReadinessAsync(TrainingRound round, string task, CancellationToken cancellationToken)
    {
        try
        {
            return await round.ReadinessAsync(task, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("{Task}: cannot read the store ({Error}); trying again", task, e.Message);
            return new DataReadiness(0, false);
        }
    }

    /// <summary>
    /// Runs one round so that its failure cannot stop the trainer: bad data in one round (a session that does not cut
    /// into examples, a store read that fails) is reported and skipped, and the next round tries again with what the
    /// store holds then. Only cancellation ends the loop.
    /// </summary>
    private async Task<RoundResult> RunIsolatedAsync(TrainingRound round, int number, string task, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            return await round.RunAsync(number, task, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "round {Round} {Task} failed and was skipped; the current model stays: {Error}", number, task, e.Message);
            return RoundResult.Failed(number, task, time.GetElapsedTime(started), $"{e.GetType().Name}: {e.Message}");
        }
    }
}
