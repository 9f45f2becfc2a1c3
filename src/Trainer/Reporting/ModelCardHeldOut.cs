using System.Text.Json.Serialization;

namespace Pipeline.Trainer.Reporting;

/// <summary>
/// Held-out results: overall, and per class from the confusion matrix. For models judged per frame (droplets),
/// <see cref="PerFrame"/> (what the overall figures are) and <see cref="PerDroplet"/> (each droplet on its own) give both
/// views side by side; absent for other models and in cards written before them.
/// </summary>
public sealed record ModelCardHeldOut(double Accuracy, double MacroF1, double? ConcentrationMae, IReadOnlyList<ClassMetrics> PerClass,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HeldOutScores? PerFrame = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HeldOutScores? PerDroplet = null);
