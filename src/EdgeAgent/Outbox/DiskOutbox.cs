using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The agent's bounded on-disk outbox (format: docs/DEVICES.md, "Outbox"). Every message is appended and
/// fsync'd before it is published, and leaves only once the broker acknowledged it, so a broker outage or an
/// agent restart loses nothing. Records live in numbered segment files, cut at session ends; acknowledged
/// segments are deleted. When the cap is reached the oldest segment (mostly whole sessions) is dropped and
/// its messages counted, so sampling never stops and the newest data survives.
/// One writer (the device streamer) and one reader (<see cref="OutboxPublisher"/>); both may run at once.
/// </summary>
public sealed class DiskOutbox : IDisposable
{
    public const string SegmentExtension = ".seg";

    /// <summary>Below this a segment would hold too few messages for the cap to mean anything.</summary>
    public const long MinMaxBytes = 64 * 1024;

    private readonly string _folder;
    private readonly long _maxBytes;
    private readonly long _segmentLimit;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, long> _segmentBytes = [];
    private readonly Queue<PendingMessage> _pending = new();

    // Rung after each append so a waiting publisher wakes; one pending ring is enough.
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private long _writerSegment;
    private FileStream _writer;
    private long _bytes;
    private long _droppedMessages;
    private StreamCheckpoint? _checkpoint;
    private long _readerSegment;
    private SafeFileHandle? _reader;

    private DiskOutbox(string folder, long maxBytes, ILogger logger)
    {
        _folder = folder;
        _maxBytes = maxBytes;
        _segmentLimit = Math.Max(MinMaxBytes / 8, maxBytes / 8);
        _logger = logger;
        _writer = null!;
    }

    /// <summary>Messages written and not yet acknowledged.</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Bytes the outbox occupies on disk (at most the cap, plus one record while it makes room).</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

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
    public static DiskOutbox Open(string folder, long maxBytes, ILogger logger)
    {
        if (maxBytes < MinMaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the outbox cap must be at least {MinMaxBytes} bytes");
        }

        Directory.CreateDirectory(folder);
        var outbox = new DiskOutbox(folder, maxBytes, logger);
        outbox.Recover();
        return outbox;
    }

    /// <summary>
    /// Appends a message and the stream position after it, fsync'd before returning. <paramref name="endsSession"/>
    /// cuts the segment after it, so the cap drops whole sessions. Returns false when the message alone does not fit
    /// under the cap (it is counted as dropped).
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
            if (_segmentBytes[_writerSegment] > 0 && _segmentBytes[_writerSegment] + frame.Length > _segmentLimit)
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

            var offset = _segmentBytes[_writerSegment];
            Write(frame);
            _pending.Enqueue(new PendingMessage(_writerSegment, offset, frame.Length));
            _checkpoint = after;
            if (endsSession)
            {
                Roll();
            }
        }

        _doorbell.Writer.TryWrite(true);
        return true;
    }

    /// <summary>The oldest unacknowledged message, read back from disk; null when there is none.</summary>
    public OutboxMessage? Peek()
    {
        lock (_gate)
        {
            while (_pending.TryPeek(out var next))
            {
                var frame = new byte[next.FramedLength];
                var read = RandomAccess.Read(ReaderFor(next.Segment), frame, next.Offset);
                var (record, error) = read == frame.Length ? OutboxRecordFormat.Decode(frame) : (null, $"only {read} of {frame.Length} bytes could be read");
                if (record is { HasMessage: true })
                {
                    return new OutboxMessage(next.Segment, next.Offset, next.FramedLength, record.Topic, record.Payload);
                }

                // Written and checked by us, so damage here means the disk changed it underneath: skip, count, say so.
                _logger.LogError("outbox {Folder}: segment {Segment} offset {Offset} is damaged ({Error}); the message is dropped", _folder, next.Segment, next.Offset, error ?? "no message");
                _pending.Dequeue();
                Interlocked.Increment(ref _droppedMessages);
            }

            return null;
        }
    }

    /// <summary>Removes <paramref name="message"/> after the broker acknowledged it; ignored if the cap dropped it meanwhile.</summary>
    public void Acknowledge(OutboxMessage message)
    {
        lock (_gate)
        {
            if (!_pending.TryPeek(out var next) || next.Segment != message.Segment || next.Offset != message.Offset)
            {
                if (!_segmentBytes.ContainsKey(message.Segment))
                {
                    // The cap dropped its segment while it was in flight, yet it reached the broker: not lost after all.
                    Interlocked.Decrement(ref _droppedMessages);
                }

                return;
            }

            _pending.Dequeue();
            new OutboxCursor(message.Segment, message.Offset + message.FramedLength).Write(_folder);
            DeleteAcknowledgedSegments();
        }
    }

    /// <summary>Waits until at least one message is pending.</summary>
    public async Task WaitForMessageAsync(CancellationToken cancellationToken)
    {
        while (Depth == 0)
        {
            await _doorbell.Reader.ReadAsync(cancellationToken);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
            _reader?.Dispose();
            _reader = null;
        }
    }

    private void Recover()
    {
        foreach (var leftover in Directory.EnumerateFiles(_folder, "*.tmp"))
        {
            File.Delete(leftover);
        }

        var (cursor, cursorProblem) = OutboxCursor.Read(_folder);
        if (cursorProblem is not null)
        {
            _logger.LogWarning("outbox {Folder}: {Problem}; every stored message will be published again", _folder, cursorProblem);
        }

        var segments = Directory.EnumerateFiles(_folder, "*" + SegmentExtension)
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n > 0)
            .Order()
            .ToList();
        foreach (var segment in segments)
        {
            _segmentBytes[segment] = Scan(segment, cursor, isNewest: segment == segments[^1]);
            _bytes += _segmentBytes[segment];
        }

        _writerSegment = segments.Count > 0 ? segments[^1] : 1;
        _segmentBytes.TryAdd(_writerSegment, 0);
        _writer = new FileStream(PathOf(_writerSegment), FileMode.Append, FileAccess.Write, FileShare.Read);
        DeleteAcknowledgedSegments();
        if (_pending.Count > 0)
        {
            _logger.LogInformation("outbox {Folder}: {Count} messages ({Bytes} bytes on disk) still to publish from before", _folder, _pending.Count, _bytes);
        }
    }

    /// <summary>Reads one segment's records, queueing those after the cursor; returns the bytes it keeps on disk.</summary>
    private long Scan(long segment, OutboxCursor cursor, bool isNewest)
    {
        var path = PathOf(segment);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var length = RandomAccess.GetLength(handle);
        var header = new byte[OutboxRecordFormat.FrameHeaderSize];
        long offset = 0;
        string? problem = null;
        while (offset < length)
        {
            if (RandomAccess.Read(handle, header, offset) < header.Length)
            {
                problem = "a record header is cut short";
                break;
            }

            if (OutboxRecordFormat.BodyLengthOf(header) is not { } bodyLength)
            {
                problem = "a record header announces an impossible length";
                break;
            }

            var frame = new byte[OutboxRecordFormat.FrameHeaderSize + bodyLength];
            if (offset + frame.Length > length || RandomAccess.Read(handle, frame, offset) < frame.Length)
            {
                problem = "a record is cut short";
                break;
            }

            var (record, error) = OutboxRecordFormat.Decode(frame);
            if (record is null)
            {
                problem = error;
                break;
            }

            _checkpoint = record.Checkpoint;
            if (record.HasMessage && !cursor.IsAcknowledged(segment, offset))
            {
                _pending.Enqueue(new PendingMessage(segment, offset, frame.Length));
            }

            offset += frame.Length;
        }

        if (problem is null)
        {
            return length;
        }

        if (isNewest)
        {
            // A crash during an append leaves a torn last record: it was never acknowledged to anyone, so cut it off.
            RandomAccess.SetLength(handle, offset);
            _logger.LogWarning("outbox {Folder}: segment {Segment}: {Problem} at offset {Offset}; dropped the {Bytes}-byte torn tail", _folder, segment, problem, offset, length - offset);
            return offset;
        }

        _logger.LogError("outbox {Folder}: segment {Segment}: {Problem} at offset {Offset}; the {Bytes} bytes after it are skipped", _folder, segment, problem, offset, length - offset);
        return length;
    }

    private bool MakeRoom(int length)
    {
        while (_bytes + length > _maxBytes)
        {
            var oldest = _segmentBytes.Keys.First();
            if (oldest == _writerSegment)
            {
                return false;
            }

            var dropped = 0;
            while (_pending.TryPeek(out var next) && next.Segment == oldest)
            {
                _pending.Dequeue();
                dropped++;
            }

            Interlocked.Add(ref _droppedMessages, dropped);
            DeleteSegment(oldest);
            _logger.LogWarning("outbox {Folder} reached its {Cap}-byte cap: dropped the oldest segment {Segment} with {Count} unsent messages", _folder, _maxBytes, oldest, dropped);
        }

        return true;
    }

    private void Roll()
    {
        _writer.Dispose();
        _writerSegment++;
        _segmentBytes[_writerSegment] = 0;
        _writer = new FileStream(PathOf(_writerSegment), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        if (_checkpoint is { } checkpoint)
        {
            // Each segment starts with the stream position, so it survives the deletion of every older segment.
            Write(OutboxRecordFormat.Encode(new OutboxRecord(checkpoint, "", ReadOnlyMemory<byte>.Empty)));
        }

        DeleteAcknowledgedSegments();
    }

    private void Write(byte[] frame)
    {
        _writer.Write(frame);
        _writer.Flush(flushToDisk: true);
        _segmentBytes[_writerSegment] += frame.Length;
        _bytes += frame.Length;
    }

    private void DeleteAcknowledgedSegments()
    {
        var oldestNeeded = _pending.TryPeek(out var next) ? next.Segment : _writerSegment;
        foreach (var segment in _segmentBytes.Keys.Where(s => s < oldestNeeded).ToList())
        {
            DeleteSegment(segment);
        }
    }

    private void DeleteSegment(long segment)
    {
        if (_reader is not null && _readerSegment == segment)
        {
            _reader.Dispose();
            _reader = null;
        }

        File.Delete(PathOf(segment));
        _bytes -= _segmentBytes[segment];
        _segmentBytes.Remove(segment);
    }

    private SafeFileHandle ReaderFor(long segment)
    {
        if (_reader is null || _readerSegment != segment)
        {
            _reader?.Dispose();
            _reader = File.OpenHandle(PathOf(segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            _readerSegment = segment;
        }

        return _reader;
    }

    private string PathOf(long segment) => Path.Combine(_folder, segment.ToString("D12", CultureInfo.InvariantCulture) + SegmentExtension);

    private readonly record struct PendingMessage(long Segment, long Offset, int FramedLength);
}
