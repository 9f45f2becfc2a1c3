namespace Pipeline.Runner.Status;

/// <summary>What the embedded store under the data folder holds.</summary>
internal sealed record StatusStore(long MotionSamples, long Frames, long Labels);
