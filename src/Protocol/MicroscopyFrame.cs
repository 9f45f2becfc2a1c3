namespace Pipeline.Protocol;

/// <summary>
/// One polarised-microscopy frame. <see cref="DegradationLevel"/> (0 = pristine, 1 = worst) says how much
/// compression, noise or blur the edge applied, so the classifier can take it as a second input.
/// </summary>
public sealed record MicroscopyFrame(
    string DeviceId,
    uint StreamId,
    ulong Sequence,
    long TimestampMicros,
    int Width,
    int Height,
    PixelFormat Format,
    FrameLabel? Label,
    float? DegradationLevel,
    byte[] Pixels);
