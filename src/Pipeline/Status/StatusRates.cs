using System.Text.Json.Serialization;

namespace Pipeline.Runner.Status;

/// <summary>
/// Rates over <see cref="WindowSeconds"/>: what the store gained (null without the store) and the predictions the devices published.
/// </summary>
internal sealed record StatusRates(
    double WindowSeconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MotionSamplesPerSecond,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? FramesPerSecond,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LabelsPerSecond,
    double PredictionsPerSecond);
