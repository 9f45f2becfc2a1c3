using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>A motion batch and its record body, encoded once for the write-ahead log and the device log alike (a slice of the write's <see cref="MotionWriteBuffer"/>).</summary>
internal sealed record MotionBatchRecord(MotionBatch Batch, ReadOnlyMemory<byte> Body);
