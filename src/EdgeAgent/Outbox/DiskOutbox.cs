using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Durability.Logs;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The agent's bounded on-disk outbox (format: docs/DEVICES.md, "Outbox"), on a <see cref="SegmentedLog"/> of outbox
/// records. Appends are written straight to the file and fsync'd in groups by <see cref="KeepSyncingAsync"/> (the log's
/// group commit: one fsync for everything written so far); only
/// messages already fsync'd are handed out for publishing, and a message leaves only once the broker acknowledged
/// it, so a broker outage or an agent restart loses nothing that was ever published. Records live in numbered
/// segment files, cut at session ends and at an eighth of the cap (or of the room on the disk, if less); acknowledged
/// segments are deleted. When the cap is reached the oldest
/// segment (mostly whole sessions) is dropped and its messages counted, so sampling never stops and the newest
/// data survives. A disk that fills up before the cap is another matter (<see cref="AppendAsync"/>): nothing stored
/// is dropped for it; the writer waits for room. One writer (the device streamer), one syncer and one reader
/// (<see cref="OutboxPublisher"/>, which may have several messages in flight); all may run at once.
/// </summary>
internal sealed class DiskOutbox : IDisposable
{
    public const string SegmentExtension = ".seg";

    /// <summary>
    /// While more messages are in flight the cursor is saved only after this many acknowledgements (and whenever
    /// nothing is left in flight, and on dispose): a crash then publishes at most this many acknowledged messages
    /// again, which receivers de-duplicate, instead of costing a write (a system call) per PUBACK.
    /// </summary>
    public const int CursorSaveInterval = 64;

    /// <summary>The most <see cref="TakeDurable"/> reads at once (a single larger record is read alone), so a window of big frames is no huge buffer.</summary>
    public const int MaxReadBytes = 1024 * 1024;

    /// <summary>Below this a segment would hold too few messages for the cap to mean anything.</summary>
    public const long MinMaxBytes = 64 * 1024;

    /// <summary>How often <see cref="AppendAsync"/> tries again on a full disk; room made by acknowledgements or by anything else shows up within this.</summary>
    public static readonly TimeSpan DiskFullRetryInterval = TimeSpan.FromMilliseconds(100);

    // errno values of a full disk (ENOSPC) and of a full quota (EDQUOT), which .NET reports as the IOException's HResult on Linux.
    private const int NoSpaceLeftOnDevice = 28;
    private const int DiskQuotaExceeded = 122;

    private static readonly SegmentNaming Naming = new("", SegmentExtension, FirstNumber: 1);

    private readonly string _folder;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    // Unacknowledged messages, oldest first: those handed out for publishing, then those not yet handed out.
    private readonly Queue<PendingMessage> _inFlight = new();
    private readonly Queue<PendingMessage> _waiting = new();

    // Rung after each append (wakes the syncer) and after each sync (wakes the publisher); one pending ring is enough.
    private readonly Channel<bool> _written = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Channel<bool> _synced = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private long _segmentLimit;
    private SegmentedLog _log;

    // A session ended while the disk had no room for the next segment: it is cut before the next append instead.
    private bool _cutPending;
    private OutboxCursorFile _cursorFile;

    // Set while cursor saves fail for want of room, so that is logged once, not at every acknowledgement.
    private bool _cursorSaveFailing;

    // Messages are numbered in append order; those numbered below _durableCount are fsync'd.
    private long _appendedCount;
    private long _durableCount;
    private bool _disposed;
    private OutboxCursor? _unsavedCursor;
    private int _acknowledgedSinceSave;
    private long _droppedMessages;
    private StreamCheckpoint? _checkpoint;

    private DiskOutbox(string folder, long maxBytes, ILogger logger, TimeProvider time)
    {
        _folder = folder;
        _maxBytes = maxBytes;
        _logger = logger;
        _time = time;
        _log = null!;
        _cursorFile = null!;
    }

    /// <summary>Messages written and not yet acknowledged.</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count + _waiting.Count;
            }
        }
    }

    /// <summary>Bytes the outbox occupies on disk (at most the cap, plus one record while it makes room).</summary>
    public long Bytes => _log.Bytes;

    /// <summary>Messages lost to the size cap (or to a damaged record read back), since this outbox was opened.</summary>
    public long DroppedMessages => Interlocked.Read(ref _droppedMessages);

    /// <summary>The stream position after the newest record, restored from disk on open; null for a new outbox.</summary>
    public StreamCheckpoint? Checkpoint
    {
        get
        {
            lock (_gate)
            {
                return _checkpoint;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the outbox in <paramref name="folder"/>: a torn tail left by a crash is cut off, a damaged
    /// record ends its segment, and every record after the persisted cursor is pending again.
    /// </summary>
    public static DiskOutbox Open(string folder, long maxBytes, ILogger logger, TimeProvider? time = null)
    {
        if (maxBytes < MinMaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the outbox cap must be at least {MinMaxBytes} bytes");
        }

        Directory.CreateDirectory(folder);
        var outbox = new DiskOutbox(folder, maxBytes, logger, time ?? TimeProvider.System);
        outbox.Recover();
        return outbox;
    }

    /// <summary>
    /// Appends a message and the stream position after it. It is written to the file (a crash of the agent keeps it)
    /// but not fsync'd: it becomes publishable once <see cref="SyncToDisk"/> has run. <paramref name="endsSession"/>
    /// cuts the segment after it (fsync'ing it), so the cap drops whole sessions. Returns false when the message alone
    /// does not fit under the cap (it is counted as dropped). On a full disk it throws the <see cref="IOException"/>
    /// (see <see cref="IsDiskFull"/>) with nothing appended and nothing half-written; <see cref="AppendAsync"/> waits instead.
    /// </summary>
    public bool Append(string topic, ReadOnlyMemory<byte> payload, StreamCheckpoint after, bool endsSession)
    {
        if (topic.Length == 0)
        {
            throw new ArgumentException("a message needs a topic", nameof(topic));
        }

        var frame = OutboxRecordFormat.Encode(new OutboxRecord(after, topic, payload));
        lock (_gate)
        {
            if (_cutPending || (_log.ActiveLength > 0 && _log.ActiveLength + frame.Length > _segmentLimit))
            {
                Roll();
            }

            if (!MakeRoom(frame.Length))
            {
                Interlocked.Increment(ref _droppedMessages);
                _logger.LogWarning("outbox {Folder}: a {Length}-byte message to {Topic} does not fit under the {Cap}-byte cap; dropped", _folder, frame.Length, topic, _maxBytes);
                _checkpoint = after;
                return false;
            }

            var (segment, offset) = _log.Append(frame);
            _waiting.Enqueue(new PendingMessage(_appendedCount++, segment, offset, frame.Length));
            _checkpoint = after;
            if (endsSession)
            {
                CutAfterSession();
            }
        }

        _written.Writer.TryWrite(true);
        return true;
    }

    /// <summary>
    /// <see cref="Append"/>, waiting while the disk is full instead of failing: the writer (the device) pauses, and
    /// nothing already stored is dropped to make room, since on a full disk the cap's trade-off (the newest data wins)
    /// does not apply: the outbox did not choose that limit, and what is stored has been recorded. Room comes as the
    /// broker acknowledges messages (their segments are deleted) or as something else frees the disk; it is tried
    /// again every <see cref="DiskFullRetryInterval"/>. Logs an error naming the folder when the disk fills and a line
    /// when appending resumes.
    /// </summary>
    public async Task<bool> AppendAsync(string topic, ReadOnlyMemory<byte> payload, StreamCheckpoint after, bool endsSession, CancellationToken cancellationToken)
    {
        long? fullSince = null;
        while (true)
        {
            try
            {
                var appended = Append(topic, payload, after, endsSession);
                if (fullSince is { } since)
                {
                    _logger.LogInformation("outbox {Folder}: room on the disk again after {Seconds:0.0} s; appending resumes", _folder, _time.GetElapsedTime(since).TotalSeconds);
                }

                return appended;
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                if (fullSince is null)
                {
                    fullSince = _time.GetTimestamp();
                    _logger.LogError("outbox {Folder}: no space left on device ({Error}); the device pauses until there is room, keeping all {Depth} messages not yet sent",
                        _folder, e.Message, Depth);
                }
            }

            await Task.Delay(DiskFullRetryInterval, _time, cancellationToken);
        }
    }

    /// <summary>Whether <paramref name="error"/> says the disk (or the user's quota on it) is full.</summary>
    public static bool IsDiskFull(IOException error) => error.HResult is NoSpaceLeftOnDevice or DiskQuotaExceeded;

    /// <summary>
    /// Group commit: fsyncs everything appended so far with one fsync, making it publishable. Appends go on while
    /// it runs; they are covered by the next call.
    /// </summary>
    public void SyncToDisk()
    {
        long through;
        lock (_gate)
        {
            if (_disposed || _durableCount == _appendedCount)
            {
                return;
            }

            through = _appendedCount;
        }

        // Every message counted above was written before this sync started, so it covers them all.
        _log.Sync();
        MarkDurable(through);
    }

    /// <summary>The outbox's syncer: fsyncs after appends, as often as the disk allows, until cancelled.</summary>
    public async Task KeepSyncingAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // The ring is taken before syncing, so an append that lands during the fsync rings again.
            await _written.Reader.ReadAsync(cancellationToken);
            SyncToDisk();
        }
    }

    /// <summary>
    /// Hands out, oldest first, up to <paramref name="max"/> fsync'd messages that were not handed out yet, read back
    /// from disk. Acknowledge them in the same order.
    /// </summary>
    public IReadOnlyList<OutboxMessage> TakeDurable(int max)
    {
        var taken = new List<OutboxMessage>();
        lock (_gate)
        {
            while (taken.Count < max && _waiting.TryPeek(out var first) && first.Number < _durableCount)
            {
                // Messages back to back in one segment come in with one read, and their payloads share its buffer.
                var (count, length) = ContiguousDurableRun(max - taken.Count);
                var block = new byte[length];
                var read = _log.Read(first.Segment, first.Offset, block);
                var start = 0;
                for (var i = 0; i < count; i++)
                {
                    var next = _waiting.Dequeue();
                    var (record, error) = start + next.FramedLength <= read
                        ? OutboxRecordFormat.Decode(block.AsMemory(start, next.FramedLength))
                        : (null, $"only {Math.Max(0, read - start)} of {next.FramedLength} bytes could be read");
                    start += next.FramedLength;
                    if (record is { HasMessage: true })
                    {
                        _inFlight.Enqueue(next);
                        taken.Add(new OutboxMessage(next.Segment, next.Offset, next.FramedLength, record.Topic, record.Payload));
                        continue;
                    }

                    // Written and checked by us, so damage here means the disk changed it underneath: skip, count, say so.
                    _logger.LogError("outbox {Folder}: segment {Segment} offset {Offset} is damaged ({Error}); the message is dropped", _folder, next.Segment, next.Offset, error ?? "no message");
                    Interlocked.Increment(ref _droppedMessages);
                }
            }
        }

        return taken;
    }

    /// <summary>Puts messages handed out and not acknowledged back at the front, to be handed out again (the publisher stopped).</summary>
    public void ReleaseInFlight()
    {
        lock (_gate)
        {
            var all = _inFlight.Concat(_waiting).ToList();
            _inFlight.Clear();
            _waiting.Clear();
            foreach (var message in all)
            {
                _waiting.Enqueue(message);
            }
        }
    }

    /// <summary>
    /// Removes <paramref name="messages"/>, the oldest ones handed out, in order, after the broker acknowledged them;
    /// one that the cap dropped meanwhile is skipped. The cursor is saved after the last, or later (<see cref="CursorSaveInterval"/>).
    /// </summary>
    public void Acknowledge(IReadOnlyList<OutboxMessage> messages)
    {
        lock (_gate)
        {
            OutboxCursor? cursor = null;
            foreach (var message in messages)
            {
                if (_inFlight.TryPeek(out var next) && next.Segment == message.Segment && next.Offset == message.Offset)
                {
                    _inFlight.Dequeue();
                    cursor = new OutboxCursor(message.Segment, message.Offset + message.FramedLength);
                    _acknowledgedSinceSave++;
                    continue;
                }

                if (_log.LengthOf(message.Segment) is not null)
                {
                    throw new InvalidOperationException(
                        $"outbox {_folder}: acknowledged segment {message.Segment} offset {message.Offset} out of order; acknowledge messages in the order they were handed out");
                }

                // The cap dropped its segment while it was in flight, yet it reached the broker: not lost after all.
                Interlocked.Decrement(ref _droppedMessages);
            }

            if (cursor is not null)
            {
                _unsavedCursor = cursor;
                if (_inFlight.Count == 0 || _acknowledgedSinceSave >= CursorSaveInterval)
                {
                    SaveCursor();
                }

                DeleteAcknowledgedSegments();
            }
        }
    }

    /// <summary>Waits until at least one fsync'd message is waiting to be handed out.</summary>
    public async Task WaitForDurableAsync(CancellationToken cancellationToken)
    {
        while (!HasDurableWaiting())
        {
            await _synced.Reader.ReadAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        // A clean stop leaves nothing unsynced behind.
        SyncToDisk();
        lock (_gate)
        {
            SaveCursor();
            _disposed = true;
            _log.Dispose();
            _cursorFile.Dispose();
        }
    }

    private void Recover()
    {
        (_cursorFile, var cursor, var cursorProblem) = OutboxCursorFile.Open(_folder);
        if (cursorProblem is not null)
        {
            _logger.LogWarning("outbox {Folder}: {Problem}; every stored message will be published again", _folder, cursorProblem);
        }

        (_log, var damage) = SegmentedLog.Open(_folder, Naming, OutboxRecordFormat.Limits, (segment, offset, body) =>
        {
            var (record, error) = OutboxRecordFormat.DecodeBody(body);
            if (record is null)
            {
                return error;
            }

            _checkpoint = record.Checkpoint;
            if (record.HasMessage && !cursor.IsAcknowledged(segment, offset))
            {
                _waiting.Enqueue(new PendingMessage(_appendedCount++, segment, offset, OutboxRecordFormat.FrameHeaderSize + body.Length));
            }

            return null;
        });
        foreach (var d in damage)
        {
            if (d.Cut)
            {
                // A crash during an append leaves a torn last record: it was never acknowledged to anyone, so it was cut off.
                _logger.LogWarning("outbox {Folder}: segment {Segment}: {Problem}; dropped the {Bytes}-byte torn tail", _folder, d.Segment, d.Problem, d.Bytes);
            }
            else
            {
                _logger.LogError("outbox {Folder}: segment {Segment}: {Problem}; the {Bytes} bytes after it are skipped", _folder, d.Segment, d.Problem, d.Bytes);
            }
        }

        // A disk with less room than the cap would otherwise fill up with one segment, which is never deleted while it is
        // being written: segments sized to the room there is keep several, and acknowledged ones are deleted to make room.
        _segmentLimit = Math.Max(MinMaxBytes / 8, Math.Min(_maxBytes, new DriveInfo(_folder).AvailableFreeSpace + _log.Bytes) / 8);

        // Opening the log fsync'd what a crashed agent may have left in the OS cache only: all of it is publishable.
        _durableCount = _appendedCount;
        DeleteAcknowledgedSegments();
        if (_waiting.Count > 0)
        {
            _logger.LogInformation("outbox {Folder}: {Count} messages ({Bytes} bytes on disk) still to publish from before", _folder, _waiting.Count, _log.Bytes);
        }
    }

    private bool MakeRoom(int length)
    {
        while (_log.Bytes + length > _maxBytes)
        {
            var oldest = _log.OldestSegment!.Value;
            if (oldest == _log.ActiveSegment)
            {
                return false;
            }

            var dropped = DropFront(_inFlight, oldest) + DropFront(_waiting, oldest);

            Interlocked.Add(ref _droppedMessages, dropped);
            _log.Delete(oldest);
            _logger.LogWarning("outbox {Folder} reached its {Cap}-byte cap: dropped the oldest segment {Segment} with {Count} unsent messages", _folder, _maxBytes, oldest, dropped);
        }

        return true;
    }

    private static int DropFront(Queue<PendingMessage> messages, long segment)
    {
        var dropped = 0;
        while (messages.TryPeek(out var next) && next.Segment == segment)
        {
            messages.Dequeue();
            dropped++;
        }

        return dropped;
    }

    /// <summary>Cuts the segment after a session's label; on a full disk the cut waits for the next append.</summary>
    private void CutAfterSession()
    {
        try
        {
            Roll();
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            // The label itself is stored: only the cut is put off, so the next append tries it first.
            _cutPending = true;
        }
    }

    private void Roll()
    {
        // Each segment starts with the stream position, so it survives the deletion of every older segment; the log
        // fsyncs it (and the finished segment before it) before returning, since older segments may be deleted right below.
        // With no room for it (a full disk), writing goes on in the current segment.
        _log.StartSegment(_checkpoint is { } checkpoint ? OutboxRecordFormat.Encode(new OutboxRecord(checkpoint, "", ReadOnlyMemory<byte>.Empty)) : []);
        MarkDurable(_appendedCount);
        _cutPending = false;
        DeleteAcknowledgedSegments();
    }

    private void SaveCursor()
    {
        if (_unsavedCursor is not { } cursor)
        {
            return;
        }

        try
        {
            _cursorFile.Save(cursor);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            // A cursor left behind only makes a restarted agent publish acknowledged messages again, which receivers
            // de-duplicate; the acknowledgement itself must go on, since deleting what it acknowledged is what makes room.
            if (!_cursorSaveFailing)
            {
                _logger.LogWarning("outbox {Folder}: the cursor cannot be saved, no space left on device; trying again with the next acknowledgement", _folder);
                _cursorSaveFailing = true;
            }

            return;
        }

        _cursorSaveFailing = false;
        _unsavedCursor = null;
        _acknowledgedSinceSave = 0;
    }

    private void MarkDurable(long through)
    {
        lock (_gate)
        {
            _durableCount = Math.Max(_durableCount, through);
        }

        _synced.Writer.TryWrite(true);
    }

    /// <summary>
    /// How many of the oldest waiting messages, at most <paramref name="max"/>, are durable and lie back to back in one
    /// segment within <see cref="MaxReadBytes"/> (always at least the first), and their bytes.
    /// </summary>
    private (int Count, int Length) ContiguousDurableRun(int max)
    {
        var count = 0;
        var length = 0;
        long segment = 0;
        long end = 0;
        foreach (var message in _waiting)
        {
            if (count == max || message.Number >= _durableCount
                || (count > 0 && (message.Segment != segment || message.Offset != end || (long)length + message.FramedLength > MaxReadBytes)))
            {
                break;
            }

            segment = message.Segment;
            end = message.Offset + message.FramedLength;
            length += message.FramedLength;
            count++;
        }

        return (count, length);
    }

    private bool HasDurableWaiting()
    {
        lock (_gate)
        {
            return _waiting.TryPeek(out var next) && next.Number < _durableCount;
        }
    }

    private void DeleteAcknowledgedSegments()
    {
        var oldestNeeded = _inFlight.TryPeek(out var next) || _waiting.TryPeek(out next) ? next.Segment : _log.ActiveSegment!.Value;
        // Runs after every acknowledgement; nearly always nothing is old enough, so look at the oldest segment first.
        while (_log.OldestSegment is { } oldest && oldest < oldestNeeded)
        {
            _log.Delete(oldest);
        }
    }

    private readonly record struct PendingMessage(long Number, long Segment, long Offset, int FramedLength);
}
