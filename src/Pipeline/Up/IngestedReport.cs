namespace Pipeline.Runner.Up;

/// <summary>What the store holds at the end of the run (its own exact counts), and what ingest quarantined during it.</summary>
internal sealed record IngestedReport(long MotionSamples, long MotionBatches, long Frames, long Labels, long Quarantined);
