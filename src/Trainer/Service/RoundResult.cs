namespace Pipeline.Trainer.Service;

/// <summary>What one training round of one task produced; <see cref="Version"/> is null when the candidate was not blessed.</summary>
public sealed record RoundResult(int Round, string Task, int? Version, double Accuracy, double MacroF1, double? ConcentrationMae,
    int Examples, string Schedule, TimeSpan Duration, double SamplesPerSecond);
