using System.Text.Json.Serialization;

namespace Pipeline.Runner.Up;

/// <summary>
/// One model version on the devices, counted from the predictions ingest stored: its predictions, those that carried the
/// true class (<see cref="Labelled"/>), the right ones among them, their ratio, and the version's held-out accuracy beside it.
/// </summary>
internal sealed record LiveAccuracyReport(
    string Task,
    int Version,
    long Predictions,
    long Labelled,
    long Correct,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LiveAccuracy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? HeldOutAccuracy);
