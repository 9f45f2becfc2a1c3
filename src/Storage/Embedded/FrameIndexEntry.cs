namespace Pipeline.Storage.Embedded;

/// <summary>Where one stored frame's record lies.</summary>
internal readonly record struct FrameIndexEntry(long TimestampMicros, long Offset);
