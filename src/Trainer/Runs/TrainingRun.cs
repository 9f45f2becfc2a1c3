using Microsoft.Extensions.Logging;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Schedules;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Runs;

/// <summary>
/// One training run of a model on already split data, shared by the trainer's rounds and <c>pipeline train</c>: build the
/// schedule, train epoch by epoch with the settings' learning-rate schedule, weight decay and augmentation (resuming from
/// <paramref name="checkpointPath"/> when it matches; keeping the best epoch by validation when the data has a validation
/// split), re-estimate the batch-norm statistics and evaluate held out. The caller owns the model, so it can save or compare it afterwards, and
/// calls <see cref="Finish"/> once the result is safe: until then a crash resumes from the last epoch's checkpoint.
/// </summary>
internal sealed class TrainingRun(string? checkpointPath, ILogger logger)
{
    private readonly ResumableTraining _training = new(checkpointPath, logger);

    /// <param name="onStep">Runs on a training thread after each minibatch (for progress or timing).</param>
    /// <param name="onPlan">Receives the split plan before pipelined training starts.</param>
    /// <param name="onEpoch">Receives each epoch's progress.</param>
    public async Task<ScheduleOutcome> TrainAsync(
        BlockSequence model, TrainingData data, string scheduleName, TrainingSettings settings,
        Action<StepResult>? onStep, Action<SplitPlan>? onPlan, Action<EpochProgress>? onEpoch, CancellationToken cancellationToken)
    {
        if (data.Train.Count == 0)
        {
            throw new ArgumentException("there are no training examples", nameof(data));
        }

        SplitPlan? plan = null;
        var schedule = await ScheduleFactory.CreateAsync(scheduleName, model, settings, data.Train.Count, p => { plan = p; onPlan?.Invoke(p); }, logger, cancellationToken);
        var batchSize = ScheduleFactory.BatchSize(settings, data.Train.Count);
        var history = await _training.TrainAsync(model, schedule, data, batchSize, settings.Epochs, settings.Seed, Fingerprint(model, schedule, batchSize, settings, data),
            onEpoch, cancellationToken, onStep, settings);

        // Evaluation runs on a thread of its own: grad mode is per thread.
        var (metrics, confusion) = await Task.Factory.StartNew(() =>
        {
            BatchNormCalibration.Recalibrate(model, data.Train);
            return (Evaluator.Evaluate(model, data.HeldOut), ConfusionMatrix.Compute(model, data.HeldOut, data.Classes));
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // A resumed run trained only its remaining epochs: the throughput comes from those.
        var samplesPerSecond = _training.SamplesTrained / Math.Max(_training.TrainingTime.TotalSeconds, 1e-9);
        return new ScheduleOutcome(schedule.Name, metrics, samplesPerSecond, plan, _training.StageBusyTimes, history, confusion, _training.DataIdentityHash, _training.KeptEpoch);
    }

    /// <summary>Deletes the checkpoint: the run's result is kept, a later run on the same data starts afresh.</summary>
    public void Finish() => _training.Finish();

    /// <summary>Everything besides the data that decides the result: a checkpoint written under other settings is not resumed.</summary>
    private static string Fingerprint(BlockSequence model, ITrainingSchedule schedule, int batchSize, TrainingSettings settings, TrainingData data) =>
        string.Join(';', [
            $"model={model.Architecture}", $"schedule={schedule.Name}", $"register={schedule.Register ?? 0}", $"devices={string.Join(',', settings.Devices)}",
            FormattableString.Invariant($"epochs={settings.Epochs};batch={batchSize};lr={settings.LearningRate:R};momentum={settings.Momentum:R}"),
            FormattableString.Invariant($"hybrid-fraction={settings.HybridPipelinedFraction:R};seed={settings.Seed};threads={settings.TorchThreads}"),
            FormattableString.Invariant($"lr-schedule={LearningRates.Name(settings.LearningRateSchedule)};weight-decay={settings.WeightDecay:R}"),
            $"augmentation={AugmentationNames.Name(settings.Augmentation)};validation={data.Validation.Count}"]);
}
