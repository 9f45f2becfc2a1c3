namespace Pipeline.Storage.Embedded;

/// <summary>Where one stored motion batch lies and which timestamps it covers (inclusive).</summary>
internal readonly record struct MotionIndexEntry(long FirstMicros, long LastMicros, long Offset, int SampleCount);
