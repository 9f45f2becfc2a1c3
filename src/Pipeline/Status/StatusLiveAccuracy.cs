using System.Text.Json.Serialization;

namespace Pipeline.Runner.Status;

/// <summary>One version's predictions seen during the window, with the true class known for <see cref="Labelled"/> of them.</summary>
internal sealed record StatusLiveAccuracy(
    string Task,
    int Version,
    long Predictions,
    long Labelled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Accuracy);
