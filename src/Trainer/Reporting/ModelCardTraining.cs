namespace Pipeline.Trainer.Reporting;

/// <summary>The settings the round trained with.</summary>
public sealed record ModelCardTraining(
    string Schedule, int Epochs, int BatchSize, double LearningRate, double Momentum, int Split, string Devices, int Seed, double HeldOutFraction, double SamplesPerSecond);
