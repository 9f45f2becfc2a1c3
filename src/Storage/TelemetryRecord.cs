namespace Pipeline.Storage;

/// <summary>One message of a task-defined telemetry kind, stored as its wire payload. Identified by (Kind, DeviceId, StreamId, Sequence).</summary>
public sealed record TelemetryRecord(string Kind, string DeviceId, uint StreamId, ulong Sequence, long TimestampMicros, byte[] Payload);
