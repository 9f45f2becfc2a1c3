namespace Pipeline.Trainer.Service;

/// <summary>
/// What one training round of one task produced; <see cref="Version"/> is null when the candidate was not blessed.
/// A round that failed (bad data, a model that would not train) has <see cref="Failure"/> set and no metrics.
/// </summary>
public sealed record RoundResult(int Round, string Task, int? Version, double Accuracy, double MacroF1, double? ConcentrationMae,
    int Examples, string Schedule, TimeSpan Duration, double SamplesPerSecond, string? Failure = null)
{
    public static RoundResult Failed(int round, string task, TimeSpan duration, string failure) =>
        new(round, task, null, double.NaN, double.NaN, null, 0, "", duration, 0, failure);
}
