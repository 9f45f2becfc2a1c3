using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>A motion batch and its record body, encoded once for the write-ahead log and the device log alike.</summary>
internal sealed record MotionBatchRecord(MotionBatch Batch, byte[] Body);
