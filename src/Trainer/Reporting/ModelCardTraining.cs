namespace Pipeline.Trainer.Reporting;

/// <summary>The settings the round trained with; <see cref="Augmentation"/> names what varied the training examples ("none", "quarter-turns", …);
/// <see cref="WarmStartedFrom"/> is the version whose weights it started from (null: a fresh initialisation).</summary>
public sealed record ModelCardTraining(
    string Schedule, int Epochs, int BatchSize, double LearningRate, double Momentum, int Split, string Devices, int Seed, double HeldOutFraction, double SamplesPerSecond,
    string Augmentation, string LearningRateSchedule, double WeightDecay, int? WarmStartedFrom = null);
