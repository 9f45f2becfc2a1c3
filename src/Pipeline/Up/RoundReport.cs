using System.Text.Json.Serialization;
using Pipeline.Trainer.Registry;

namespace Pipeline.Runner.Up;

/// <summary>
/// One training round of one task. <see cref="Outcome"/> is "blessed" (<see cref="Version"/> names the new version),
/// "not blessed" (<see cref="RejectedAs"/> names its folder under the registry's rejected/) or "failed"
/// (<see cref="Failure"/> says why; no metrics). <see cref="Accuracy"/> and <see cref="MacroF1"/> are the candidate's on
/// this round's <see cref="HeldOutExamples"/>; <see cref="Blessing"/> scores the current model on those same examples.
/// <see cref="ConcentrationMae"/> (% v/v) is set for models with a regression head; for droplets the candidate's figures are
/// per frame and <see cref="DropletAccuracy"/>, <see cref="DropletMacroF1"/> and <see cref="DropletConcentrationMae"/> per droplet.
/// </summary>
internal sealed record RoundReport(
    int Round,
    string Task,
    string Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RejectedAs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Accuracy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MacroF1,
    int TrainExamples,
    int HeldOutExamples,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BlessingDecision? Blessing,
    double Seconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Failure = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ConcentrationMae = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DropletAccuracy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DropletMacroF1 = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DropletConcentrationMae = null)
{
    public const string Blessed = "blessed";
    public const string NotBlessed = "not blessed";
    public const string Failed = "failed";
}
