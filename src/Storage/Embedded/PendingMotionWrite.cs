namespace Pipeline.Storage.Embedded;

/// <summary>
/// A motion write whose records are appended to the write-ahead log and not yet in the device logs: waiting for the fsync
/// that makes them durable, then to be added to the device logs and the index. Owns the buffer the records' bodies are in.
/// </summary>
internal sealed class PendingMotionWrite(List<MotionBatchRecord> records, MotionWriteBuffer buffer, long segment, Task durable) : IDisposable
{
    private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<MotionBatchRecord> Records { get; } = records;

    /// <summary>The write-ahead log segment holding the records: a checkpoint keeps it until they are in the device logs.</summary>
    public long Segment { get; } = segment;

    /// <summary>Completes when the records are durable; fails when the fsync that should have covered them failed.</summary>
    public Task Durable { get; } = durable;

    /// <summary>Completes when the records are in the device logs and the index; fails when they never will be.</summary>
    public Task Applied => _applied.Task;

    public void MarkApplied() => _applied.TrySetResult();

    public void MarkFailed(Exception error) => _applied.TrySetException(error);

    /// <summary>Lets the records' buffer go: once they are in the device logs, or will never be.</summary>
    public void Dispose() => buffer.Dispose();
}
