namespace Pipeline.Protocol;

/// <summary>
/// What a device's model said about one input, and which model version said it. <see cref="TrueClass"/>
/// is set when the device knows the ground truth (simulators, labelled replays), so live accuracy can be tracked.
/// </summary>
public sealed record Prediction(
    string DeviceId,
    string Task,
    int ModelVersion,
    long InputTimestampMicros,
    string PredictedClass,
    float Confidence,
    double LatencyMs,
    string? TrueClass = null,
    float? ConcentrationPercent = null);
