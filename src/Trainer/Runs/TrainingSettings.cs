using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Trainer.Service;
using static TorchSharp.torch;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Runs;

/// <summary>
/// Everything besides the data and the schedule that decides a training run: optimiser, learning rate and its schedule,
/// weight decay, batch size, epochs, seed (weights and data order), augmentation, split and devices. A schedule comparison holds it fixed so the comparison is
/// fair. Defaults are the trainer's (<see cref="TrainerOptions"/>).
/// <see cref="TorchThreads"/> applies to the non-pipelined schedule only; each pipeline stage runs one thread.
/// </summary>
public sealed record TrainingSettings(IReadOnlyList<Device> Devices)
{
    private static readonly TrainerOptions Defaults = new();

    public int Epochs { get; init; } = Defaults.Epochs;

    public int BatchSize { get; init; } = Defaults.BatchSize;

    public double LearningRate { get; init; } = Defaults.LearningRate;

    public double Momentum { get; init; } = Defaults.Momentum;

    /// <summary>How <see cref="LearningRate"/> changes epoch by epoch; the trainer's rounds keep a constant rate (their
    /// thresholds were set with it), `pipeline train` defaults to <see cref="Runs.LearningRateSchedule.Cosine"/> (docs/TRAINING.md, "Training recipe").</summary>
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>L2 weight decay of every parameter; none in the trainer's rounds, 5·10⁻⁴ by default in `pipeline train`.</summary>
    public double WeightDecay { get; init; }

    /// <summary>What varies the training examples: the task's choice (<see cref="Tasks.ILearningTask.Augmentation"/>) or the user's; none by default.</summary>
    public Augmentation Augmentation { get; init; } = Augmentation.None;

    /// <summary>Pipeline register; 0 chooses it by measuring the blocks.</summary>
    public int Split { get; init; } = Defaults.Split;

    public double HybridPipelinedFraction { get; init; } = Defaults.HybridPipelinedFraction;

    public int Seed { get; init; } = Defaults.Seed;

    public int TorchThreads { get; init; } = 1;
}
