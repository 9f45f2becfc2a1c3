using System.Text.Json.Serialization;

namespace Pipeline.Runner.Up;

/// <summary>
/// One model version on the devices, counted from the predictions ingest stored: its predictions, those that carried the
/// true class (<see cref="Labelled"/>), the right ones among them, their ratio, and the version's held-out accuracy beside it:
/// when it was blessed (<see cref="HeldOutAccuracy"/> on <see cref="HeldOutExamples"/>) and on the latest round's held-out
/// examples that scored it against a candidate (<see cref="LatestHeldOutAccuracy"/> on <see cref="LatestHeldOutExamples"/>).
/// The held-out split is by session and the data only grow, so the latest set holds the earlier one and more, none of
/// it trained on: the first version's own set is a few dozen windows, and the latest is the steadier figure.
/// </summary>
internal sealed record LiveAccuracyReport(
    string Task,
    int Version,
    long Predictions,
    long Labelled,
    long Correct,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LiveAccuracy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? HeldOutAccuracy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? HeldOutExamples = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LatestHeldOutAccuracy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? LatestHeldOutExamples = null);
