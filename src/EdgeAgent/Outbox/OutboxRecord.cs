namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// One outbox record: the stream checkpoint after it and, unless <see cref="Topic"/> is empty, a message to
/// publish. A record without a message only carries the checkpoint (the first record of each new segment).
/// </summary>
internal sealed record OutboxRecord(StreamCheckpoint Checkpoint, string Topic, ReadOnlyMemory<byte> Payload)
{
    public bool HasMessage => Topic.Length > 0;
}
