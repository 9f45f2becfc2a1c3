namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// Where a device's stream stands after a record: the stream id, and the next sequence number, session number
/// and timestamp to use. Stored with every outbox record so that a restarted agent continues the same stream
/// without reusing a sequence number or going back in time.
/// </summary>
internal readonly record struct StreamCheckpoint(uint StreamId, ulong NextSequence, long NextSession, long NextTimestampMicros)
{
    /// <summary>A fresh stream: a random id, everything else from zero.</summary>
    public static StreamCheckpoint Fresh() => new((uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1), 0, 0, 0);
}
