namespace Pipeline.Protocol;

/// <summary>
/// What a device's model said about one input, and which model version said it. <see cref="TrueClass"/>
/// is set when the device knows the ground truth (simulators, labelled replays), so live accuracy can be tracked.
/// For a droplet frame the prediction is the mean over the frame's droplets, and <see cref="Droplets"/> lists each
/// droplet's own answer (absent from older devices and from swing predictions).
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
    float? ConcentrationPercent = null,
    DropletPrediction[]? Droplets = null)
{
    /// <summary>The most droplets one prediction may list.</summary>
    public const int MaxDroplets = 64;
}
