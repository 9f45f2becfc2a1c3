namespace Pipeline.Storage;

/// <summary>Totals a store holds.</summary>
public sealed record StoreCounts(long MotionBatches, long MotionSamples, long Frames, long Labels);
