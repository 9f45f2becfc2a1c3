using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>The identity that makes a write idempotent: a redelivered batch or frame has the same key.</summary>
internal readonly record struct SeriesKey(string DeviceId, MessageType Kind, uint StreamId, ulong Sequence);
