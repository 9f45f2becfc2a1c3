using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Schedules;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// Trains one schedule on already split data and evaluates it held out, as a training round does but without the
/// store, registry or broker. Every call builds the model afresh from the same seed and feeds the same seeded
/// minibatch order, so schedules compared with the same settings differ only in how they update.
/// </summary>
public static class UserDataTraining
{
    public static readonly IReadOnlyList<string> Schedules = [NonPipelinedSchedule.ScheduleName, StaleWeightPipeline.ScheduleName, HybridSchedule.ScheduleName];

    /// <param name="onStep">Runs on a training thread after each minibatch (for progress or timing).</param>
    /// <param name="onPlan">Receives the split plan before pipelined training starts.</param>
    /// <param name="onEpoch">Receives each epoch's progress.</param>
    /// <param name="checkpointFolder">Where each schedule's checkpoint ("NAME.checkpoint") is written after every epoch and
    /// resumed from when it matches; null trains without checkpoints.</param>
    /// <param name="logger">Says whether a checkpoint was resumed, and why not.</param>
    public static async Task<ScheduleOutcome> TrainAsync(
        TrainingData data, IReadOnlyList<int> inputShape, string architecture, string scheduleName, UserTrainingSettings settings,
        Action<StepResult>? onStep, Action<SplitPlan>? onPlan, CancellationToken cancellationToken,
        Action<EpochProgress>? onEpoch = null, string? checkpointFolder = null, ILogger? logger = null)
    {
        using var model = ModelCatalog.CreateForInput(architecture, data.Classes.Count, inputShape, settings.Seed);
        var batchSize = Math.Min(settings.BatchSize, data.Train.Count);
        SplitPlan? plan = null;
        ITrainingSchedule schedule;
        if (scheduleName == NonPipelinedSchedule.ScheduleName)
        {
            schedule = new NonPipelinedSchedule(settings.LearningRate, settings.Momentum, settings.Devices[0], settings.TorchThreads);
        }
        else
        {
            plan = await new SplitPlanner(batchSize, settings.Devices[0]).PlanAsync(model, settings.Split).WaitAsync(cancellationToken);
            onPlan?.Invoke(plan);
            var steps = settings.Epochs * (int)Math.Ceiling(data.Train.Count / (double)batchSize);
            schedule = scheduleName switch
            {
                StaleWeightPipeline.ScheduleName => new StaleWeightPipeline(settings.LearningRate, settings.Momentum, plan.Register, settings.Devices),
                HybridSchedule.ScheduleName => new HybridSchedule(settings.LearningRate, settings.Momentum, plan.Register, settings.Devices,
                    (int)Math.Round(settings.HybridPipelinedFraction * steps)),
                _ => throw new ArgumentException($"schedule \"{scheduleName}\" is unknown (expected {string.Join(", ", Schedules)})", nameof(scheduleName)),
            };
        }

        var training = new ResumableTraining(checkpointFolder is null ? null : Path.Combine(checkpointFolder, $"{schedule.Name}.checkpoint"), logger ?? NullLogger.Instance);
        var history = await training.TrainAsync(model, schedule, data, batchSize, settings.Epochs, settings.Seed, Settings(architecture, schedule.Name, plan, batchSize, settings),
            onEpoch, cancellationToken, onStep);

        // Evaluation runs on a thread of its own: grad mode is per thread.
        var (metrics, confusion) = await Task.Factory.StartNew(() =>
        {
            BatchNormCalibration.Recalibrate(model, data.Train);
            return (Evaluator.Evaluate(model, data.HeldOut), ConfusionMatrix.Compute(model, data.HeldOut, data.Classes));
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        training.Finish();

        // A resumed run trained only its remaining epochs: the throughput comes from those.
        return new ScheduleOutcome(schedule.Name, metrics, training.SamplesTrained / Math.Max(training.TrainingTime.TotalSeconds, 1e-9), plan, training.StageBusyTimes, history, confusion);
    }

    /// <summary>Everything besides the data that decides the result: a checkpoint written under other settings is not resumed.</summary>
    private static string Settings(string architecture, string schedule, SplitPlan? plan, int batchSize, UserTrainingSettings settings) =>
        string.Join(';', [
            $"model={architecture}", $"schedule={schedule}", $"register={plan?.Register ?? 0}", $"devices={string.Join(',', settings.Devices)}",
            FormattableString.Invariant($"epochs={settings.Epochs};batch={batchSize};lr={settings.LearningRate:R};momentum={settings.Momentum:R}"),
            FormattableString.Invariant($"hybrid-fraction={settings.HybridPipelinedFraction:R};seed={settings.Seed};threads={settings.TorchThreads}")]);
}
