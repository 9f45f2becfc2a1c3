namespace Pipeline.Ingest.Spilling;

/// <summary>One sealed spill file: its order number, where it is, and what it holds.</summary>
public sealed record SpillSegment(long Number, string Path, long Bytes, int Records);
