using System.Diagnostics.CodeAnalysis;
using Pipeline.Protocol;
using Pipeline.Storage.Shared;
using static Pipeline.Storage.Influx.InfluxSchema;

namespace Pipeline.Storage.Influx;

/// <summary>
/// The write side both InfluxDB stores share (docs/STORAGE.md). Writes are idempotent because a replay produces
/// identical points (same measurement, tags and timestamp overwrite); whether a batch, frame, record or label is new is
/// decided by asking the server what it already holds, so the count is right across restarts of either side and
/// needs no local state. This process's writes are serialised so that "which are new" and the write that follows
/// do not interleave, and the store is closed under the same lock, never in the middle of a write.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The lock must outlive CloseAsync: a write arriving later still takes it before it sees the store closed. A SemaphoreSlim holds no kernel handle unless AvailableWaitHandle is read.")]
internal sealed class InfluxIdempotentWriter(IInfluxPointServer server, BlobStore blobs, Type storeType)
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public bool IsClosed { get; private set; }

    public async ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken)
    {
        foreach (var batch in batches)
        {
            StoreInputRules.Check(batch);
            InfluxInputRules.Check(batch);
        }

        return await UnderLockAsync(async () =>
        {
            var candidates = FirstOfEachKey(batches, b => (b.DeviceId, b.StreamId, b.Sequence));
            var stored = await server.StoredKeysAsync(Motion, BatchSamples, null, [.. candidates.Select(b => (b.DeviceId, b.FirstTimestampMicros))], cancellationToken);
            var fresh = candidates.Where(b => !stored.Contains((b.DeviceId, b.StreamId, b.Sequence))).ToList();

            // Samples first, then each batch's completion mark on its first sample (same point, fields merge):
            // a crash in between leaves no mark, so the replay writes the identical samples again.
            await server.WritePointsAsync(fresh.SelectMany(InfluxLineProtocol.SampleLines), cancellationToken);
            await server.WritePointsAsync(fresh.Select(InfluxLineProtocol.CompletionLine), cancellationToken);
            return fresh.Count;
        }, cancellationToken);
    }

    public async ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken)
    {
        foreach (var frame in frames)
        {
            StoreInputRules.Check(frame);
            InfluxInputRules.Check(frame);
        }

        return await UnderLockAsync(async () =>
        {
            var candidates = FirstOfEachKey(frames, f => (f.DeviceId, f.StreamId, f.Sequence));
            var stored = await server.StoredKeysAsync(Frames, Width, null, [.. candidates.Select(f => (f.DeviceId, f.TimestampMicros))], cancellationToken);
            var fresh = candidates.Where(f => !stored.Contains((f.DeviceId, f.StreamId, f.Sequence))).ToList();

            // Pixels are durable in the blob folder before the point that points at them, so no point ever lacks its pixels.
            var lines = fresh.Select(f => InfluxLineProtocol.FrameLine(f, blobs.Put(f.Pixels))).ToList();
            await server.WritePointsAsync(lines, cancellationToken);
            return fresh.Count;
        }, cancellationToken);
    }

    public async ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            StoreInputRules.Check(record);
            InfluxInputRules.Check(record);
        }

        return await UnderLockAsync(async () =>
        {
            var seen = new HashSet<(string, string, uint, ulong)>();
            var fresh = new List<TelemetryRecord>();
            foreach (var kind in records.Where(r => seen.Add((r.Kind, r.DeviceId, r.StreamId, r.Sequence))).GroupBy(r => r.Kind, StringComparer.Ordinal))
            {
                var stored = await server.StoredKeysAsync(Records, PayloadBytes, (KindTag, kind.Key), [.. kind.Select(r => (r.DeviceId, r.TimestampMicros))], cancellationToken);
                fresh.AddRange(kind.Where(r => !stored.Contains((r.DeviceId, r.StreamId, r.Sequence))));
            }

            // Payloads are durable in the blob folder before the point that points at them, so no point ever lacks its payload.
            var lines = fresh.Select(r => InfluxLineProtocol.RecordLine(r, blobs.Put(r.Payload))).ToList();
            await server.WritePointsAsync(lines, cancellationToken);
            return fresh.Count;
        }, cancellationToken);
    }

    public async ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken)
    {
        StoreInputRules.Check(label);
        return await UnderLockAsync(async () =>
        {
            if (await server.LabelExistsAsync(label.DeviceId, label.SessionId, cancellationToken))
            {
                return false;
            }

            await server.WritePointsAsync([InfluxLineProtocol.LabelLine(label)], cancellationToken);
            return true;
        }, cancellationToken);
    }

    public void ThrowIfClosed() => ObjectDisposedException.ThrowIf(IsClosed, storeType);

    /// <summary>Runs <paramref name="close"/> once, after any write in progress has finished.</summary>
    public async ValueTask CloseAsync(Action close)
    {
        await _writeLock.WaitAsync();
        try
        {
            if (IsClosed)
            {
                return;
            }

            IsClosed = true;
            close();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task<T> UnderLockAsync<T>(Func<Task<T>> write, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        await server.PrepareWriteAsync(cancellationToken);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfClosed();
            return await write();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static List<T> FirstOfEachKey<T>(IReadOnlyList<T> items, Func<T, (string, uint, ulong)> keyOf)
    {
        var seen = new HashSet<(string, uint, ulong)>();
        return [.. items.Where(item => seen.Add(keyOf(item)))];
    }
}
