using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// A <see cref="TrainingRun"/> on a user's data, without the store, registry or broker. Every call builds the model
/// afresh from the same seed and feeds the same seeded minibatch order, so schedules compared with the same settings
/// differ only in how they update.
/// </summary>
public static class UserDataTraining
{
    /// <param name="onStep">Runs on a training thread after each minibatch (for progress or timing).</param>
    /// <param name="onPlan">Receives the split plan before pipelined training starts.</param>
    /// <param name="onEpoch">Receives each epoch's progress.</param>
    /// <param name="checkpointFolder">Where each schedule's checkpoint ("NAME.checkpoint") is written after every epoch and
    /// resumed from when it matches; null trains without checkpoints.</param>
    /// <param name="logger">Says whether a checkpoint was resumed, and why not.</param>
    public static async Task<ScheduleOutcome> TrainAsync(
        TrainingData data, IReadOnlyList<int> inputShape, string architecture, string scheduleName, TrainingSettings settings,
        Action<StepResult>? onStep, Action<SplitPlan>? onPlan, CancellationToken cancellationToken,
        Action<EpochProgress>? onEpoch = null, string? checkpointFolder = null, ILogger? logger = null)
    {
        using var model = ModelCatalog.CreateForInput(architecture, data.Classes.Count, inputShape, settings.Seed);
        var run = new TrainingRun(checkpointFolder is null ? null : Path.Combine(checkpointFolder, $"{scheduleName}.checkpoint"), logger ?? NullLogger.Instance);
        var outcome = await run.TrainAsync(model, data, scheduleName, settings, onStep, onPlan, onEpoch, cancellationToken);
        run.Finish();
        return outcome;
    }
}
