using Pipeline.Protocol;
using Pipeline.Storage;

namespace Pipeline.Ingest.Tests;

/// <summary>
/// The real store, whose motion writes wait until <paramref name="release"/> completes: a test holds ingest's first write
/// while messages gather behind it, so what one write takes does not depend on how fast this machine receives.
/// <paramref name="entered"/>, when given, completes once a motion write is being held.
/// </summary>
internal sealed class HeldMotionWrites(ITelemetryStore store, Task release, TaskCompletionSource? entered = null) : ITelemetryStore
{
    public async ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken)
    {
        entered?.TrySetResult();
        await release.WaitAsync(cancellationToken);
        return await store.WriteMotionAsync(batches, cancellationToken);
    }

    public ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken) => store.WriteFramesAsync(frames, cancellationToken);

    public ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken) => store.WriteLabelAsync(label, cancellationToken);

    public ValueTask<IReadOnlyList<SessionLabel>> ReadLabelsAsync(string task, CancellationToken cancellationToken) => store.ReadLabelsAsync(task, cancellationToken);

    public ValueTask<MotionSeries> ReadMotionAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken) =>
        store.ReadMotionAsync(deviceId, fromMicros, toMicros, cancellationToken);

    public ValueTask<IReadOnlyList<MicroscopyFrame>> ReadFramesAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken) =>
        store.ReadFramesAsync(deviceId, fromMicros, toMicros, cancellationToken);

    public ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken) => store.WriteRecordsAsync(records, cancellationToken);

    public ValueTask<IReadOnlyList<TelemetryRecord>> ReadRecordsAsync(string kind, string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken) =>
        store.ReadRecordsAsync(kind, deviceId, fromMicros, toMicros, cancellationToken);

    public ValueTask<StoreCounts> CountAsync(CancellationToken cancellationToken) => store.CountAsync(cancellationToken);

    public ValueTask DisposeAsync() => store.DisposeAsync();
}
