namespace Pipeline.Protocol;

/// <summary>The type byte of a binary message header (see docs/PROTOCOL.md).</summary>
public enum MessageType : byte
{
    MotionBatch = 1,
    MicroscopyFrame = 2,
}
