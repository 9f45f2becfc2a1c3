namespace Pipeline.Storage.Embedded;

/// <summary>A record as its series record holds it: everything but the payload, which lives in the blob store under <see cref="PayloadHash"/>.</summary>
internal sealed record StoredRecord(uint StreamId, ulong Sequence, long TimestampMicros, string PayloadHash)
{
    public TelemetryRecord WithPayload(string kind, string deviceId, byte[] payload) =>
        new(kind, deviceId, StreamId, Sequence, TimestampMicros, payload);
}
