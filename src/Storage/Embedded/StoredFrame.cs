using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>A frame as its series record holds it: everything but the pixels, which live in the blob store under <see cref="PixelHash"/>.</summary>
internal sealed record StoredFrame(
    uint StreamId,
    ulong Sequence,
    long TimestampMicros,
    int Width,
    int Height,
    PixelFormat Format,
    FrameLabel? Label,
    float? DegradationLevel,
    string PixelHash)
{
    public MicroscopyFrame WithPixels(string deviceId, byte[] pixels) =>
        new(deviceId, StreamId, Sequence, TimestampMicros, Width, Height, Format, Label, DegradationLevel, pixels);
}
