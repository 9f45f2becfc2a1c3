namespace Pipeline.Storage;

/// <summary>Totals a store holds; <paramref name="Records"/> counts the records of every kind together (task-defined kinds and stored predictions).</summary>
public sealed record StoreCounts(long MotionBatches, long MotionSamples, long Frames, long Labels, long Records = 0);
