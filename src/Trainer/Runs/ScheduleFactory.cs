using Microsoft.Extensions.Logging;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Schedules;

namespace Pipeline.Trainer.Runs;

/// <summary>Builds a schedule by name for a model and its data: a pipelined one gets its register from <see cref="SplitPlanner"/>.</summary>
public static class ScheduleFactory
{
    public static readonly IReadOnlyList<string> Names = [NonPipelinedSchedule.ScheduleName, StaleWeightPipeline.ScheduleName, HybridSchedule.ScheduleName];

    /// <param name="onPlan">Receives the split plan before a pipelined schedule is built.</param>
    public static async Task<ITrainingSchedule> CreateAsync(
        string name, BlockSequence model, TrainingSettings settings, int trainExamples, Action<SplitPlan>? onPlan, ILogger logger, CancellationToken cancellationToken)
    {
        if (!Names.Contains(name))
        {
            throw new ArgumentException($"schedule \"{name}\" is unknown (expected {string.Join(", ", Names)})", nameof(name));
        }

        if (name == NonPipelinedSchedule.ScheduleName)
        {
            return new NonPipelinedSchedule(settings.LearningRate, settings.Momentum, settings.Devices[0], settings.TorchThreads);
        }

        var batchSize = BatchSize(settings, trainExamples);
        var plan = await new SplitPlanner(batchSize, settings.Devices[0]).PlanAsync(model, settings.Split).WaitAsync(cancellationToken);
        logger.LogInformation("{Model} pipeline {Plan}", model.Architecture, plan);
        onPlan?.Invoke(plan);
        if (name == StaleWeightPipeline.ScheduleName)
        {
            return new StaleWeightPipeline(settings.LearningRate, settings.Momentum, plan.Register, settings.Devices);
        }

        var steps = settings.Epochs * (int)Math.Ceiling(trainExamples / (double)batchSize);
        var pipelinedSteps = (int)Math.Round(settings.HybridPipelinedFraction * steps);
        logger.LogInformation("{Model}: hybrid trains {Pipelined} of {Steps} minibatches pipelined, then the rest non-pipelined", model.Architecture, pipelinedSteps, steps);
        return new HybridSchedule(settings.LearningRate, settings.Momentum, plan.Register, settings.Devices, pipelinedSteps);
    }

    /// <summary>The minibatch size a run uses: the setting, or every training example when there are fewer.</summary>
    public static int BatchSize(TrainingSettings settings, int trainExamples) => Math.Max(1, Math.Min(settings.BatchSize, trainExamples));
}
