namespace Pipeline.Durability.Logs;

/// <summary>
/// Bytes of a segment that are not intact records, found when the log was opened: <see cref="Bytes"/> bytes from
/// <see cref="Offset"/>, because of <see cref="Problem"/>. In the newest segment they are the tail a crash tore and were
/// cut off (<see cref="Cut"/>); an older segment was complete and fsync'd, so there they are damage done on the disk,
/// left in place and skipped.
/// </summary>
public sealed record SegmentDamage(long Segment, long Offset, long Bytes, string Problem, bool Cut);
