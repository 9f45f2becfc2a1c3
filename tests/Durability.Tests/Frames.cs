using Pipeline.Durability.Framing;

namespace Pipeline.Durability.Tests;

/// <summary>Frames made the way the logs' owners make them: the body placed after the header, then <see cref="RecordFraming.WriteHeader"/>.</summary>
internal static class Frames
{
    public static byte[] Of(ReadOnlySpan<byte> body)
    {
        var frame = new byte[RecordFraming.HeaderSize + body.Length];
        body.CopyTo(frame.AsSpan(RecordFraming.HeaderSize));
        RecordFraming.WriteHeader(frame);
        return frame;
    }
}
