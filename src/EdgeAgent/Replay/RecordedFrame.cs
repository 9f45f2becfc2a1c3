using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Replay;

/// <summary>One microscope frame as recorded or rendered, with its label.</summary>
internal sealed record RecordedFrame(int Width, int Height, PixelFormat Format, byte[] Pixels, FrameLabel Label);
