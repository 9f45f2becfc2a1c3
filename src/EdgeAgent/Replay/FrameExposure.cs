using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Replay;

/// <summary>
/// One microscope session, simulated or replayed: its label, degradation level if known, and its frames, produced
/// one at a time (<see cref="FrameAt"/>) so a simulated session renders each frame only when it is taken.
/// </summary>
internal sealed record FrameExposure(VocLabel Label, float? DegradationLevel, int FrameCount, Func<int, RecordedFrame> FrameAt);
