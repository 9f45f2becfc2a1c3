namespace Pipeline.Storage.Embedded;

/// <summary>Where one stored record lies, with what orders it among records of the same microsecond.</summary>
internal readonly record struct RecordIndexEntry(long TimestampMicros, uint StreamId, ulong Sequence, long Offset);
