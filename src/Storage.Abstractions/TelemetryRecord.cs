namespace Pipeline.Storage;

/// <summary>One message of a task-defined telemetry kind, stored as its wire payload. Identified by (Kind, DeviceId, StreamId, Sequence).</summary>
public sealed record TelemetryRecord(string Kind, string DeviceId, uint StreamId, ulong Sequence, long TimestampMicros, byte[] Payload)
{
    /// <summary>
    /// The largest payload a store takes: ingest's default limit on a whole MQTT message, so nothing ingest admits by default
    /// is refused, and a read that returns a window of records holds each payload in memory whole.
    /// </summary>
    public const int MaxPayloadBytes = 4 * 1024 * 1024;
}
