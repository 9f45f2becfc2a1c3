namespace Pipeline.EdgeAgent.Outbox;

/// <summary>The oldest message not yet acknowledged, as read back from disk; hand it to <see cref="DiskOutbox.Acknowledge"/> once the broker has it.</summary>
internal sealed record OutboxMessage(long Segment, long Offset, int FramedLength, string Topic, ReadOnlyMemory<byte> Payload);
