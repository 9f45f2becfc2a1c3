namespace Pipeline.EdgeAgent.Streaming;

/// <summary>Where one message sits in its device's stream: the stream id, its sequence number and its timestamp.</summary>
internal readonly record struct MessageStamp(uint StreamId, ulong Sequence, long TimestampMicros);
