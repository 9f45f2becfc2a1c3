using Pipeline.Protocol;

namespace Pipeline.Storage;

/// <summary>
/// Where ingest writes and the trainer reads. Writes are idempotent: a batch or frame is identified by
/// (device, stream kind, stream id, sequence), a record of a task-defined kind by (kind, device, stream id, sequence)
/// and a label by (device, session id), so a redelivered message writes nothing twice. A write has returned only once the data is durable.
/// Every backend passes the same contract suite.
/// </summary>
public interface ITelemetryStore : IAsyncDisposable
{
    /// <summary>Stores the batches not already stored; returns how many were new.</summary>
    ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken);

    /// <summary>Stores the frames not already stored (pixels in the blob store, a pointer in the series); returns how many were new.</summary>
    ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken);

    /// <summary>Stores a session label unless one with the same device and session id exists; returns whether it was new.</summary>
    ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken);

    /// <summary>Every label of a task, ordered by start time.</summary>
    ValueTask<IReadOnlyList<SessionLabel>> ReadLabelsAsync(string task, CancellationToken cancellationToken);

    /// <summary>The device's motion samples with timestamps in [<paramref name="fromMicros"/>, <paramref name="toMicros"/>), in time order.</summary>
    ValueTask<MotionSeries> ReadMotionAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken);

    /// <summary>The device's frames with timestamps in [<paramref name="fromMicros"/>, <paramref name="toMicros"/>), in time order, pixels included.</summary>
    ValueTask<IReadOnlyList<MicroscopyFrame>> ReadFramesAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken);

    /// <summary>Stores the records not already stored (identified by kind, device, stream id and sequence); returns how many were new.</summary>
    ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken);

    /// <summary>The device's records of one kind with timestamps in [fromMicros, toMicros), in time order (ties by stream id, then sequence), payloads included.</summary>
    ValueTask<IReadOnlyList<TelemetryRecord>> ReadRecordsAsync(string kind, string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken);

    /// <summary>What the store holds.</summary>
    ValueTask<StoreCounts> CountAsync(CancellationToken cancellationToken);
}
