using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Service;

/// <summary>
/// What one training round of one task produced; <see cref="Version"/> is null when the candidate was not blessed.
/// A round that failed (bad data, a model that would not train) has <see cref="Failure"/> set and no metrics.
/// <see cref="TrainExamples"/> trained the candidate and <see cref="HeldOutExamples"/> (frames, for droplets) judged it;
/// <see cref="Blessing"/> compares it with the current model on those same held-out examples, and <see cref="RejectedAs"/>
/// names the folder under the registry's rejected/ where a candidate that was not blessed is kept. For droplets,
/// <see cref="Accuracy"/>, <see cref="MacroF1"/> and <see cref="ConcentrationMae"/> are per frame and the Droplet ones per droplet.
/// </summary>
public sealed record RoundResult(int Round, string Task, int? Version, double Accuracy, double MacroF1, double? ConcentrationMae,
    int TrainExamples, int HeldOutExamples, string Schedule, TimeSpan Duration, double SamplesPerSecond, string? Failure = null,
    BlessingDecision? Blessing = null, string? RejectedAs = null, double? DropletAccuracy = null, double? DropletMacroF1 = null, double? DropletConcentrationMae = null)
{
    public static RoundResult Failed(int round, string task, TimeSpan duration, string failure) =>
        new(round, task, null, double.NaN, double.NaN, null, 0, 0, "", duration, 0, failure);
}
