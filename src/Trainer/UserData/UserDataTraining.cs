using System.Diagnostics;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Partitioning;
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
    public static async Task<ScheduleOutcome> TrainAsync(
        TrainingData data, IReadOnlyList<int> inputShape, string architecture, string scheduleName, UserTrainingSettings settings,
        Action<StepResult>? onStep, Action<SplitPlan>? onPlan, CancellationToken cancellationToken)
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

        var batches = BatchProducer.CreateChannel(4);
        var feed = BatchProducer.WriteEpochsAsync(batches.Writer, data.Train, inputShape, batchSize, settings.Epochs, settings.Seed, cancellationToken);
        var samples = 0L;
        var clock = Stopwatch.StartNew();
        await schedule.TrainAsync(model, batches.Reader, step =>
        {
            samples += step.Samples;
            onStep?.Invoke(step);
        }, cancellationToken);
        clock.Stop();
        await feed;

        // Evaluation runs on a thread of its own: grad mode is per thread.
        var metrics = await Task.Factory.StartNew(() =>
        {
            BatchNormCalibration.Recalibrate(model, data.Train);
            return Evaluator.Evaluate(model, data.HeldOut);
        }, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return new ScheduleOutcome(schedule.Name, metrics, samples / clock.Elapsed.TotalSeconds, plan, schedule.StageBusyTimes);
    }
}
