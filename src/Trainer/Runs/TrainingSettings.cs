using Pipeline.Trainer.Service;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Runs;

/// <summary>
/// Everything besides the data and the schedule that decides a training run: optimiser, learning rate, batch size,
/// epochs, seed (weights and data order), split and devices. A schedule comparison holds it fixed so the comparison is
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

    /// <summary>Pipeline register; 0 chooses it by measuring the blocks.</summary>
    public int Split { get; init; } = Defaults.Split;

    public double HybridPipelinedFraction { get; init; } = Defaults.HybridPipelinedFraction;

    public int Seed { get; init; } = Defaults.Seed;

    public int TorchThreads { get; init; } = 1;
}
