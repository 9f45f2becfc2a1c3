using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Durability.Files;
using Pipeline.Protocol;
using Pipeline.Storage.Shared;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// The default store: no server, just files under one folder (docs/STORAGE.md). Each device has an
/// append-only motion log, frame log and one log per task-defined record kind under "series/DEVICE/", frame pixels and
/// record payloads live in a content-addressed blob folder, labels in "labels.log". Every write is durable before it
/// returns: a motion write by one fsync of the shared write-ahead log ("wal/", <see cref="MotionWriteAheadLog"/>), whose
/// records the device logs hold unsynced until a checkpoint; frames, records and labels by fsyncs of their own logs. On open the logs are
/// scanned, a torn tail is cut off, the write-ahead log is replayed, and the time indexes and
/// de-duplication keys are rebuilt.
/// One process writes (<see cref="Open"/>, guarded by a lock file); any number of other processes may
/// read (<see cref="OpenReadOnly"/>), each read picking up what the writer appended since.
/// Reads are safe concurrently with writes in the same process.
/// </summary>
public sealed class EmbeddedTelemetryStore : ITelemetryStore
{
    private const string SeriesFolder = "series";
    private const string MotionFile = "motion.log";
    private const string FramesFile = "frames.log";
    private const string LabelsFile = "labels.log";
    private const string RecordsFilePrefix = "records-";
    private const string LogSuffix = ".log";
    private const string WriterLockFile = "writer.lock";

    /// <summary>
    /// The write-ahead log's size at which a checkpoint fsyncs the device logs and drops it: large enough that checkpoints
    /// are rare next to writes, small enough that replaying it on open takes well under a second.
    /// </summary>
    private const long DefaultCheckpointBytes = 64L * 1024 * 1024;

    private readonly string _root;
    private readonly bool _readOnly;
    private readonly ILogger _logger;
    private readonly FileStream? _writerLock;
    private readonly BlobStore _blobs;
    private readonly AppendOnlyLog _labelLog;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly long _checkpointBytes;

    // Writer only, under _writeLock: the write-ahead log, the device logs written since the last checkpoint, and the folders
    // whose new entries (a new device's folder, its log files) are not yet fsync'd.
    private readonly HashSet<DeviceSeries> _unsyncedMotion = [];
    private readonly List<string> _unsyncedFolders = [];
    private MotionWriteAheadLog? _wal;

    // Writer only, under _writeLock: motion writes in the write-ahead log and not yet in the device logs, and the keys they
    // hold, each with its write's outcome, which a duplicate of it waits for.
    private readonly List<PendingMotionWrite> _pendingMotion = [];
    private readonly Dictionary<SeriesKey, Task> _pendingKeys = [];

    // The checkpoint running alongside the writes, if any, and the device logs a failed one could not fsync.
    private readonly ConcurrentQueue<DeviceSeries> _checkpointFailed = new();
    private Task _checkpoint = Task.CompletedTask;

    // _gate guards everything below it; file I/O for reads happens outside it on immutable, fsynced records.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DeviceSeries> _devices = new(StringComparer.Ordinal);
    private readonly HashSet<SeriesKey> _keys = [];
    private readonly HashSet<RecordKey> _recordKeys = [];
    private readonly List<SessionLabel> _labels = [];
    private readonly HashSet<(string DeviceId, string SessionId)> _labelKeys = [];
    private long _motionBatches;
    private long _motionSamples;
    private long _frames;
    private long _records;
    private bool _disposed;

    private EmbeddedTelemetryStore(string root, bool readOnly, ILogger logger, FileStream? writerLock, long checkpointBytes)
    {
        _root = root;
        _checkpointBytes = checkpointBytes;
        _readOnly = readOnly;
        _logger = logger;
        _writerLock = writerLock;
        _blobs = new BlobStore(Path.Combine(root, "blobs"));
        var labelsPath = Path.Combine(root, LabelsFile);
        _labelLog = readOnly ? AppendOnlyLog.OpenForReading(labelsPath) : AppendOnlyLog.OpenForAppend(labelsPath);
    }

    public string RootFolder => _root;

    public bool IsReadOnly => _readOnly;

    /// <summary>Motion bytes the device logs hold without an fsync yet; the write-ahead log covers them until a checkpoint.</summary>
    internal long UnsyncedMotionBytes
    {
        get
        {
            lock (_gate)
            {
                return _devices.Values.Sum(series => series.Motion.UnsyncedBytes);
            }
        }
    }

    /// <summary>Opens (creating) the store for writing. Only one process may hold a store open for writing.</summary>
    /// <exception cref="IOException">Another process has the store open for writing.</exception>
    public static EmbeddedTelemetryStore Open(string rootFolder, ILogger? logger = null) => Open(rootFolder, logger, DefaultCheckpointBytes);

    /// <param name="checkpointBytes">How large the write-ahead log grows before a checkpoint fsyncs the device logs and drops it.</param>
    internal static EmbeddedTelemetryStore Open(string rootFolder, ILogger? logger, long checkpointBytes)
    {
        var root = Path.GetFullPath(rootFolder);
        Directory.CreateDirectory(Path.Combine(root, SeriesFolder));
        FileStream writerLock;
        try
        {
            writerLock = new FileStream(Path.Combine(root, WriterLockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"the telemetry store at {root} is already open for writing by another process; open it read-only instead", e);
        }

        var store = new EmbeddedTelemetryStore(root, readOnly: false, logger ?? NullLogger.Instance, writerLock, checkpointBytes);
        try
        {
            store.LoadForWriting();
            return store;
        }
        catch
        {
            store.DisposeFiles();
            throw;
        }
    }

    /// <summary>Opens an existing store without ever writing to it; each read first picks up records appended since the last.</summary>
    /// <exception cref="DirectoryNotFoundException">There is no store at <paramref name="rootFolder"/>.</exception>
    public static EmbeddedTelemetryStore OpenReadOnly(string rootFolder, ILogger? logger = null)
    {
        var root = Path.GetFullPath(rootFolder);
        if (!Directory.Exists(Path.Combine(root, SeriesFolder)))
        {
            throw new DirectoryNotFoundException($"there is no telemetry store at {root} (no '{SeriesFolder}' folder); start ingest on it first");
        }

        var store = new EmbeddedTelemetryStore(root, readOnly: true, logger ?? NullLogger.Instance, writerLock: null, checkpointBytes: 0);
        store.CatchUp();
        return store;
    }

    public async ValueTask<int> WriteMotionAsync(IReadOnlyList<MotionBatch> batches, CancellationToken cancellationToken)
    {
        foreach (var batch in batches)
        {
            StoreInputRules.Check(batch);
        }

        PendingMotionWrite? write;
        Task[] heldElsewhere;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfNotWritable();
            (write, heldElsewhere) = BeginMotionWrite(batches);
        }
        finally
        {
            _writeLock.Release();
        }

        // The write lock is free while the fsync runs, so the next write encodes and appends meanwhile; one fsync often
        // covers both. Not cancellable from here on: the records are in the write-ahead log either way.
        if (write is not null)
        {
            await FinishMotionWriteAsync(write);
        }

        // A batch skipped as a duplicate of one still on its way is stored only if that one is: its failure fails this
        // write too, and the retry then writes the batch itself.
        await Task.WhenAll(heldElsewhere);
        return write?.Records.Count ?? 0;
    }

    /// <summary>
    /// Appends the new batches to the write-ahead log without waiting for the disk, and holds their keys so that a
    /// duplicate arriving meanwhile waits for their outcome. Writer only, under the write lock.
    /// </summary>
    private (PendingMotionWrite? Write, Task[] HeldElsewhere) BeginMotionWrite(IReadOnlyList<MotionBatch> batches)
    {
        var seen = new HashSet<SeriesKey>();
        var fresh = new List<MotionBatch>(batches.Count);
        HashSet<Task>? heldElsewhere = null;
        lock (_gate)
        {
            foreach (var batch in batches)
            {
                var key = MotionKey(batch);
                if (_keys.Contains(key) || !seen.Add(key))
                {
                    continue;
                }

                if (_pendingKeys.TryGetValue(key, out var applied))
                {
                    (heldElsewhere ??= []).Add(applied);
                    continue;
                }

                fresh.Add(batch);
            }
        }

        if (fresh.Count == 0)
        {
            return (null, heldElsewhere is null ? [] : [.. heldElsewhere]);
        }

        // One fsync of the write-ahead log makes the whole write durable, whatever number of devices it spans (an fsync
        // per device log cost a journal commit each). The device logs get the same records unsynced once it is done; the
        // checkpoint fsyncs them before it lets the write-ahead log go.
        var buffer = MotionWriteAheadLog.Frame(fresh);
        long segment;
        Task durable;
        try
        {
            (segment, durable) = _wal!.Append(buffer);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }

        var records = fresh.Select((batch, i) => new MotionBatchRecord(batch, buffer.Body(i))).ToList();
        var write = new PendingMotionWrite(records, buffer, segment, durable);
        _pendingMotion.Add(write);
        foreach (var record in records)
        {
            _pendingKeys[MotionKey(record.Batch)] = write.Applied;
        }

        return (write, heldElsewhere is null ? [] : [.. heldElsewhere]);
    }

    /// <summary>Waits for the write's fsync, then adds its records to the device logs and the index (or lets its keys go when it failed).</summary>
    private async Task FinishMotionWriteAsync(PendingMotionWrite write)
    {
        await write.Durable.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _writeLock.WaitAsync(CancellationToken.None);
        try
        {
            try
            {
                // Failed: its records were cut off the write-ahead log; the caller retries them.
                await write.Durable;

                // Disposed meanwhile: the records are durable in the write-ahead log, and the next open replays them.
                ThrowIfDisposed();
                ApplyMotion(write.Records);
                write.MarkApplied();
            }
            catch (Exception e)
            {
                write.MarkFailed(e);
                throw;
            }
            finally
            {
                foreach (var record in write.Records)
                {
                    _pendingKeys.Remove(MotionKey(record.Batch));
                }

                _pendingMotion.Remove(write);
                write.Dispose();
            }

            CheckpointIfDue();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Appends durable motion records to their device logs, unsynced, and indexes them. Writer only, under the write lock.</summary>
    private void ApplyMotion(List<MotionBatchRecord> records)
    {
        foreach (var group in records.GroupBy(r => r.Batch.DeviceId, StringComparer.Ordinal))
        {
            var series = SeriesForWriting(group.Key);
            var list = group.ToList();
            var offsets = series.Motion.AppendUnsynced([.. list.Select(r => r.Body)]);
            _unsyncedMotion.Add(series);
            lock (_gate)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    IndexMotion(series, list[i].Batch, offsets[i]);
                }
            }
        }
    }

    private static SeriesKey MotionKey(MotionBatch batch) => new(batch.DeviceId, MessageType.MotionBatch, batch.StreamId, batch.Sequence);

    public async ValueTask<int> WriteFramesAsync(IReadOnlyList<MicroscopyFrame> frames, CancellationToken cancellationToken)
    {
        foreach (var frame in frames)
        {
            StoreInputRules.Check(frame);
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfNotWritable();
            var fresh = Fresh(frames, f => new SeriesKey(f.DeviceId, MessageType.MicroscopyFrame, f.StreamId, f.Sequence));
            foreach (var group in fresh.GroupBy(f => f.DeviceId, StringComparer.Ordinal))
            {
                var series = SeriesForWriting(group.Key);
                SyncNewFolders();
                var list = group.ToList();

                // Pixels are durable before the record that points at them, so a crash never leaves a dangling pointer.
                var bodies = list.Select(f => SeriesRecordCodec.EncodeFrame(f, _blobs.Put(f.Pixels))).ToList();
                var offsets = series.Frames.Append(bodies);
                lock (_gate)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        IndexFrame(series, new SeriesKey(list[i].DeviceId, MessageType.MicroscopyFrame, list[i].StreamId, list[i].Sequence), list[i].TimestampMicros, offsets[i]);
                    }
                }
            }

            return fresh.Count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask<bool> WriteLabelAsync(SessionLabel label, CancellationToken cancellationToken)
    {
        StoreInputRules.Check(label);
        var body = ControlMessageCodec.Encode(label);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfNotWritable();
            lock (_gate)
            {
                if (_labelKeys.Contains((label.DeviceId, label.SessionId)))
                {
                    return false;
                }
            }

            _labelLog.Append([body]);
            lock (_gate)
            {
                IndexLabel(label);
            }

            return true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public ValueTask<IReadOnlyList<SessionLabel>> ReadLabelsAsync(string task, CancellationToken cancellationToken)
    {
        CatchUp();
        lock (_gate)
        {
            IReadOnlyList<SessionLabel> found = [.. _labels.Where(l => l.Task == task)
                .OrderBy(l => l.StartMicros).ThenBy(l => l.DeviceId, StringComparer.Ordinal).ThenBy(l => l.SessionId, StringComparer.Ordinal)];
            return ValueTask.FromResult(found);
        }
    }

    public ValueTask<MotionSeries> ReadMotionAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckDevice(deviceId);
        CatchUp();
        DeviceSeries? series;
        MotionIndexEntry[] entries;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (fromMicros >= toMicros || !_devices.TryGetValue(deviceId, out series))
            {
                return ValueTask.FromResult(MotionSeries.Empty);
            }

            entries = series.MotionOverlapping(fromMicros, toMicros);
        }

        var timestamps = new List<long>();
        var samples = new List<float>();
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = SeriesRecordCodec.DecodeMotion(deviceId, series.Motion.Read(entry.Offset));
            for (var i = 0; i < batch.SampleCount; i++)
            {
                var timestamp = batch.TimestampOf(i);
                if (timestamp >= fromMicros && timestamp < toMicros)
                {
                    timestamps.Add(timestamp);
                    samples.AddRange(batch.Samples.AsSpan(i * MotionChannels.Count, MotionChannels.Count));
                }
            }
        }

        return ValueTask.FromResult(InTimeOrder(timestamps, samples));
    }

    public ValueTask<IReadOnlyList<MicroscopyFrame>> ReadFramesAsync(string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckDevice(deviceId);
        CatchUp();
        DeviceSeries? series;
        FrameIndexEntry[] entries;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (fromMicros >= toMicros || !_devices.TryGetValue(deviceId, out series))
            {
                return ValueTask.FromResult<IReadOnlyList<MicroscopyFrame>>([]);
            }

            entries = series.FramesWithin(fromMicros, toMicros);
        }

        var frames = new List<MicroscopyFrame>(entries.Length);
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = SeriesRecordCodec.DecodeFrame(series.Frames.Read(entry.Offset));
            if (_blobs.TryGet(stored.PixelHash, _logger, $"frame {stored.Sequence} of {deviceId}", out var pixels))
            {
                frames.Add(stored.WithPixels(deviceId, pixels));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<MicroscopyFrame>>(frames);
    }

    public async ValueTask<int> WriteRecordsAsync(IReadOnlyList<TelemetryRecord> records, CancellationToken cancellationToken)
    {
        foreach (var record in records)
        {
            StoreInputRules.Check(record);
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfNotWritable();
            var seen = new HashSet<RecordKey>();
            List<TelemetryRecord> fresh;
            lock (_gate)
            {
                fresh = [.. records.Where(r => !_recordKeys.Contains(KeyOf(r)) && seen.Add(KeyOf(r)))];
            }

            foreach (var group in fresh.GroupBy(r => (r.DeviceId, r.Kind)))
            {
                var series = RecordSeriesForWriting(group.Key.DeviceId, group.Key.Kind);
                SyncNewFolders();
                var list = group.ToList();

                // Payloads are durable before the record that points at them, so a crash never leaves a dangling pointer.
                var bodies = list.Select(r => SeriesRecordCodec.EncodeRecord(r, _blobs.Put(r.Payload))).ToList();
                var offsets = series.Log.Append(bodies);
                lock (_gate)
                {
                    for (var i = 0; i < list.Count; i++)
                    {
                        IndexRecord(series, KeyOf(list[i]), list[i].TimestampMicros, offsets[i]);
                    }
                }
            }

            return fresh.Count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public ValueTask<IReadOnlyList<TelemetryRecord>> ReadRecordsAsync(string kind, string deviceId, long fromMicros, long toMicros, CancellationToken cancellationToken)
    {
        StoreInputRules.CheckKind(kind);
        StoreInputRules.CheckDevice(deviceId);
        CatchUp();
        RecordSeries? series;
        RecordIndexEntry[] entries;
        lock (_gate)
        {
            ThrowIfDisposed();
            if (fromMicros >= toMicros || !_devices.TryGetValue(deviceId, out var device) || !device.Records.TryGetValue(kind, out series))
            {
                return ValueTask.FromResult<IReadOnlyList<TelemetryRecord>>([]);
            }

            entries = series.Within(fromMicros, toMicros);
        }

        var found = new List<TelemetryRecord>(entries.Length);
        foreach (var entry in entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = SeriesRecordCodec.DecodeRecord(series.Log.Read(entry.Offset));
            if (_blobs.TryGet(stored.PayloadHash, _logger, $"{kind} record {stored.StreamId}/{stored.Sequence} of {deviceId}", out var payload))
            {
                found.Add(stored.WithPayload(kind, deviceId, payload));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<TelemetryRecord>>(found);
    }

    public ValueTask<StoreCounts> CountAsync(CancellationToken cancellationToken)
    {
        CatchUp();
        lock (_gate)
        {
            return ValueTask.FromResult(new StoreCounts(_motionBatches, _motionSamples, _frames, _labels.Count, _records));
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Writes on their way finish first, so what they made durable is acknowledged rather than redelivered.
        Task[] onTheirWay;
        await _writeLock.WaitAsync();
        try
        {
            onTheirWay = [.. _pendingMotion.Select(w => w.Applied)];
        }
        finally
        {
            _writeLock.Release();
        }

        await Task.WhenAll(onTheirWay).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _writeLock.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }

            if (_wal is not null)
            {
                await _checkpoint;
                await TryAsync(CheckpointAsync);
            }

            lock (_gate)
            {
                _disposed = true;
                DisposeFiles();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void DisposeFiles()
    {
        foreach (var series in _devices.Values)
        {
            series.Dispose();
        }

        _labelLog.Dispose();
        _wal?.Dispose();
        _writerLock?.Dispose();
    }

    private void LoadForWriting()
    {
        ScanLog(_labelLog, (_, body) => IndexLabelRecord(body));
        _labelLog.PreserveCorruption(_logger);
        _labelLog.DropTornTail(_logger);
        foreach (var folder in Directory.EnumerateDirectories(Path.Combine(_root, SeriesFolder)).Order(StringComparer.Ordinal))
        {
            var device = Path.GetFileName(folder);
            if (!Identifiers.IsValid(device))
            {
                _logger.LogWarning("ignoring {Folder}: not a valid device id", folder);
                continue;
            }

            var series = new DeviceSeries(AppendOnlyLog.OpenForAppend(Path.Combine(folder, MotionFile)), AppendOnlyLog.OpenForAppend(Path.Combine(folder, FramesFile)));
            _devices.Add(device, series);
            ScanSeries(device, series);
            series.Motion.PreserveCorruption(_logger);
            series.Frames.PreserveCorruption(_logger);
            series.Motion.DropTornTail(_logger);
            series.Frames.DropTornTail(_logger);
            foreach (var (kind, path) in RecordLogsIn(folder, _logger))
            {
                var records = new RecordSeries(AppendOnlyLog.OpenForAppend(path));
                series.Records.Add(kind, records);
                ScanRecords(device, kind, records);
                records.Log.PreserveCorruption(_logger);
                records.Log.DropTornTail(_logger);
            }
        }

        ReplayWriteAheadLog();
        _logger.LogInformation("telemetry store {Root} open: {Devices} devices, {Batches} motion batches, {Frames} frames, {Records} records, {Labels} labels",
            _root, _devices.Count, _motionBatches, _frames, _records, _labels.Count);
    }

    /// <summary>
    /// Puts every motion record of the write-ahead log that the device logs lost (their unsynced tails, in a crash) back
    /// through the normal de-duplicating path, fsyncs the device logs and drops the write-ahead log: replaying twice, or
    /// crashing during the replay, adds nothing twice.
    /// </summary>
    private void ReplayWriteAheadLog()
    {
        var replayed = 0;
        _wal = MotionWriteAheadLog.Open(Path.Combine(_root, MotionWriteAheadLog.FolderName), _logger, (device, body) =>
        {
            MotionBatch batch;
            try
            {
                batch = SeriesRecordCodec.DecodeMotion(device, body);
            }
            catch (InvalidDataException e)
            {
                _logger.LogError("write-ahead log: skipping an unreadable motion record of {Device}: {Error}", device, e.Message);
                return;
            }

            lock (_gate)
            {
                if (_keys.Contains(new SeriesKey(device, MessageType.MotionBatch, batch.StreamId, batch.Sequence)))
                {
                    return;
                }
            }

            var series = SeriesForWriting(device);
            var offset = series.Motion.AppendUnsynced([body])[0];
            _unsyncedMotion.Add(series);
            lock (_gate)
            {
                IndexMotion(series, batch, offset);
            }

            replayed++;
        });
        if (replayed > 0)
        {
            _logger.LogWarning("telemetry store {Root}: replayed {Batches} motion batches from the write-ahead log that the device logs had lost", _root, replayed);
        }

        // Opening is synchronous; the group commit's threads do the fsyncs, nothing here waits on this thread's own work.
        CheckpointAsync().GetAwaiter().GetResult();
    }

    /// <summary>A checkpoint run to its end, under the write lock: on open and on dispose.</summary>
    private async Task CheckpointAsync() => await CompleteCheckpointAsync(BeginCheckpoint());

    /// <summary>
    /// Starts a checkpoint of the writes so far: fsyncs the folders created since the last one, takes the device logs
    /// written since (later writes mark theirs again) and seals the write-ahead log, whose sealed segments the checkpoint
    /// drops once those device logs are fsync'd; a write-ahead record is never deleted before the device log holding it
    /// is durable, directory entry included. Records still waiting for their fsync or for the device logs are kept: their
    /// segment and every later one. Writer only, under the write lock.
    /// </summary>
    private CheckpointPlan BeginCheckpoint()
    {
        SyncNewFolders();
        while (_checkpointFailed.TryDequeue(out var failed))
        {
            _unsyncedMotion.Add(failed);
        }

        var logs = _unsyncedMotion.ToList();
        _unsyncedMotion.Clear();
        try
        {
            _wal!.Seal();
        }
        catch
        {
            _unsyncedMotion.UnionWith(logs);
            throw;
        }

        var oldestKept = _pendingMotion.Count > 0 ? _pendingMotion.Min(w => w.Segment) : (long?)null;
        return new CheckpointPlan(logs, [.. _wal.Segments.Where(s => oldestKept is null || s < oldestKept)]);
    }

    /// <summary>
    /// Fsyncs the plan's device logs together, then deletes its write-ahead segments. Runs alongside writes (a commit
    /// covers what was appended before it; the later appends are marked for the next checkpoint). A log whose fsync
    /// failed goes to the next checkpoint, and the segments stay until one succeeds.
    /// </summary>
    private async Task CompleteCheckpointAsync(CheckpointPlan plan)
    {
        await GroupCommit.CommitAsync([.. plan.Logs.Select(s => s.Motion)], committed =>
        {
            for (var i = 0; i < plan.Logs.Count; i++)
            {
                if (!committed[i])
                {
                    _checkpointFailed.Enqueue(plan.Logs[i]);
                }
            }
        });
        _wal!.Delete(plan.Segments);
    }

    /// <summary>
    /// Starts a checkpoint once the write-ahead log has grown past its size, unless one runs: it fsyncs the device logs
    /// (tens of megabytes, a fifth of a second here) while writes go on, where under the write lock it stalled every
    /// write, and so every acknowledgement, for as long. Writer only, under the write lock.
    /// </summary>
    private void CheckpointIfDue()
    {
        if (_wal!.Bytes < _checkpointBytes || !_checkpoint.IsCompleted)
        {
            return;
        }

        CheckpointPlan plan;
        try
        {
            plan = BeginCheckpoint();
        }
        catch (IOException e)
        {
            LogCheckpointFailure(e);
            return;
        }

        _checkpoint = Task.Run(() => TryAsync(() => CompleteCheckpointAsync(plan)));
    }

    /// <summary>A failed checkpoint loses nothing (the write-ahead log stays, to be checkpointed by a later write or replayed on open), so it does not fail the write or the dispose that ran it.</summary>
    private async Task TryAsync(Func<Task> checkpoint)
    {
        try
        {
            await checkpoint();
        }
        catch (IOException e)
        {
            LogCheckpointFailure(e);
        }
    }

    private void LogCheckpointFailure(IOException e) =>
        _logger.LogError(e, "telemetry store {Root}: checkpoint failed; the write-ahead log keeps every write until the next one succeeds", _root);

    /// <summary>Read-only stores pick up whatever the writer process appended since the last call.</summary>
    private void CatchUp()
    {
        if (!_readOnly)
        {
            return;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            ScanLog(_labelLog, (_, body) => IndexLabelRecord(body));
            foreach (var folder in Directory.EnumerateDirectories(Path.Combine(_root, SeriesFolder)))
            {
                var device = Path.GetFileName(folder);
                if (!Identifiers.IsValid(device))
                {
                    continue;
                }

                if (!_devices.TryGetValue(device, out var series))
                {
                    series = new DeviceSeries(AppendOnlyLog.OpenForReading(Path.Combine(folder, MotionFile)), AppendOnlyLog.OpenForReading(Path.Combine(folder, FramesFile)));
                    _devices.Add(device, series);
                }

                ScanSeries(device, series);
                foreach (var (kind, path) in RecordLogsIn(folder, strayNames: null))
                {
                    if (!series.Records.TryGetValue(kind, out var records))
                    {
                        records = new RecordSeries(AppendOnlyLog.OpenForReading(path));
                        series.Records.Add(kind, records);
                    }

                    ScanRecords(device, kind, records);
                }
            }
        }
    }

    /// <summary>
    /// The record logs in a device folder, by kind. Only names that are exactly "records-KIND.log" with KIND an identifier
    /// count, so the ".torn-OFFSET" and ".corrupt-OFFSET" copies beside a log are never taken for logs. The writer reports the
    /// other names once, on open; a read-only opener, which looks on every read, passes no logger.
    /// </summary>
    private static IEnumerable<(string Kind, string Path)> RecordLogsIn(string deviceFolder, ILogger? strayNames)
    {
        foreach (var path in Directory.EnumerateFiles(deviceFolder).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(path);
            if (!name.StartsWith(RecordsFilePrefix, StringComparison.Ordinal) || !name.EndsWith(LogSuffix, StringComparison.Ordinal))
            {
                continue;
            }

            var kind = name[RecordsFilePrefix.Length..^LogSuffix.Length];
            if (Identifiers.IsValid(kind))
            {
                yield return (kind, path);
            }
            else
            {
                strayNames?.LogWarning("ignoring {Path}: not a valid record kind", path);
            }
        }
    }

    private void ScanRecords(string device, string kind, RecordSeries series) =>
        ScanLog(series.Log, (offset, body) =>
        {
            var record = SeriesRecordCodec.DecodeRecord(body);
            var key = new RecordKey(kind, device, record.StreamId, record.Sequence);
            if (!_recordKeys.Contains(key))
            {
                IndexRecord(series, key, record.TimestampMicros, offset);
            }
        });

    private void ScanSeries(string device, DeviceSeries series)
    {
        ScanLog(series.Motion, (offset, body) =>
        {
            var batch = SeriesRecordCodec.DecodeMotion(device, body);
            if (_keys.Contains(new SeriesKey(device, MessageType.MotionBatch, batch.StreamId, batch.Sequence)))
            {
                return;
            }

            IndexMotion(series, batch, offset);
        });
        ScanLog(series.Frames, (offset, body) =>
        {
            var frame = SeriesRecordCodec.DecodeFrame(body);
            var key = new SeriesKey(device, MessageType.MicroscopyFrame, frame.StreamId, frame.Sequence);
            if (!_keys.Contains(key))
            {
                IndexFrame(series, key, frame.TimestampMicros, offset);
            }
        });
    }

    /// <summary>A record whose checksum holds but whose body does not parse is skipped and reported, not fatal.</summary>
    private void ScanLog(AppendOnlyLog log, Action<long, byte[]> index) =>
        log.ScanNew((offset, body) =>
        {
            try
            {
                index(offset, body);
            }
            catch (InvalidDataException e)
            {
                _logger.LogError("{Path}: skipping unreadable record at offset {Offset}: {Error}", log.Path, offset, e.Message);
            }
        });

    private void IndexMotion(DeviceSeries series, MotionBatch batch, long offset)
    {
        _keys.Add(new SeriesKey(batch.DeviceId, MessageType.MotionBatch, batch.StreamId, batch.Sequence));
        series.Add(new MotionIndexEntry(batch.FirstTimestampMicros, batch.TimestampOf(batch.SampleCount - 1), offset, batch.SampleCount));
        _motionBatches++;
        _motionSamples += batch.SampleCount;
    }

    private void IndexFrame(DeviceSeries series, SeriesKey key, long timestampMicros, long offset)
    {
        _keys.Add(key);
        series.Add(new FrameIndexEntry(timestampMicros, offset));
        _frames++;
    }

    private void IndexRecord(RecordSeries series, RecordKey key, long timestampMicros, long offset)
    {
        _recordKeys.Add(key);
        series.Add(new RecordIndexEntry(timestampMicros, key.StreamId, key.Sequence, offset));
        _records++;
    }

    private static RecordKey KeyOf(TelemetryRecord record) => new(record.Kind, record.DeviceId, record.StreamId, record.Sequence);

    private void IndexLabelRecord(byte[] body)
    {
        var decoded = ControlMessageCodec.DecodeSessionLabel(body);
        if (!decoded.IsSuccess)
        {
            throw new InvalidDataException($"label record does not decode: {decoded.Error}");
        }

        if (!_labelKeys.Contains((decoded.Value.DeviceId, decoded.Value.SessionId)))
        {
            IndexLabel(decoded.Value);
        }
    }

    private void IndexLabel(SessionLabel label)
    {
        _labelKeys.Add((label.DeviceId, label.SessionId));
        _labels.Add(label);
    }

    private List<T> Fresh<T>(IReadOnlyList<T> items, Func<T, SeriesKey> keyOf)
    {
        var seen = new HashSet<SeriesKey>();
        lock (_gate)
        {
            return [.. items.Where(item => !_keys.Contains(keyOf(item)) && seen.Add(keyOf(item)))];
        }
    }

    private DeviceSeries SeriesForWriting(string deviceId)
    {
        lock (_gate)
        {
            if (_devices.TryGetValue(deviceId, out var series))
            {
                return series;
            }
        }

        // A new device's folder and files are created without an fsync of their directory entries (three fsyncs, one after
        // the other, on the write path of each new device): its motion records are durable in the write-ahead log, which
        // recreates them should a crash lose them, and the checkpoint fsyncs the folders before it drops that log. A frame or
        // record write fsyncs them before its own append (SyncNewFolders).
        var folder = Path.Combine(_root, SeriesFolder, deviceId);
        var created = new DeviceSeries(
            AppendOnlyLog.OpenForAppend(Path.Combine(folder, MotionFile), syncFolders: false),
            AppendOnlyLog.OpenForAppend(Path.Combine(folder, FramesFile), syncFolders: false));
        _unsyncedFolders.Add(folder);
        _unsyncedFolders.Add(Path.Combine(_root, SeriesFolder));
        lock (_gate)
        {
            _devices.Add(deviceId, created);
        }

        return created;
    }

    /// <summary>Fsyncs the folders that got entries without one (<see cref="SeriesForWriting"/>), each once. Writer only, under the write lock.</summary>
    private void SyncNewFolders()
    {
        foreach (var folder in _unsyncedFolders.Distinct(StringComparer.Ordinal).ToList())
        {
            DirectoryFlush.ToDisk(folder);
            _unsyncedFolders.RemoveAll(f => f == folder);
        }
    }

    /// <summary>The device's log of one record kind, created (with its folder, durably) on the first write of that kind.</summary>
    private RecordSeries RecordSeriesForWriting(string deviceId, string kind)
    {
        var device = SeriesForWriting(deviceId);
        lock (_gate)
        {
            if (device.Records.TryGetValue(kind, out var series))
            {
                return series;
            }
        }

        // Kind and device are identifiers (no separator, not "." or ".."), so this path stays inside the device's folder.
        var created = new RecordSeries(AppendOnlyLog.OpenForAppend(Path.Combine(_root, SeriesFolder, deviceId, RecordsFilePrefix + kind + LogSuffix)));
        lock (_gate)
        {
            device.Records.Add(kind, created);
        }

        return created;
    }

    private static MotionSeries InTimeOrder(List<long> timestamps, List<float> samples)
    {
        var count = timestamps.Count;
        if (count == 0)
        {
            return MotionSeries.Empty;
        }

        var sorted = true;
        for (var i = 1; i < count && sorted; i++)
        {
            sorted = timestamps[i - 1] <= timestamps[i];
        }

        if (sorted)
        {
            return new MotionSeries([.. timestamps], [.. samples]);
        }

        // Batches of different streams can interleave in time; order samples by time, ties in read order.
        var order = Enumerable.Range(0, count).OrderBy(i => timestamps[i]).ToArray();
        var orderedTimes = new long[count];
        var orderedSamples = new float[count * MotionChannels.Count];
        for (var i = 0; i < count; i++)
        {
            orderedTimes[i] = timestamps[order[i]];
            for (var c = 0; c < MotionChannels.Count; c++)
            {
                orderedSamples[i * MotionChannels.Count + c] = samples[order[i] * MotionChannels.Count + c];
            }
        }

        return new MotionSeries(orderedTimes, orderedSamples);
    }

    private void ThrowIfNotWritable()
    {
        ThrowIfDisposed();
        if (_readOnly)
        {
            throw new InvalidOperationException($"the telemetry store at {_root} was opened read-only");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
