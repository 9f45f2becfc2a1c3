namespace Pipeline.Storage.Embedded;

/// <summary>The identity that makes a record write idempotent: a redelivered record of a task-defined kind has the same key.</summary>
internal readonly record struct RecordKey(string Kind, string DeviceId, uint StreamId, ulong Sequence);
