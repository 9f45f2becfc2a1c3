using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Durability.Logs;

namespace Pipeline.Ingest.Spilling;

/// <summary>
/// A bounded, crash-safe on-disk buffer of messages the store could not take: a <see cref="SegmentedLog"/> of spill
/// records (see <see cref="SpillRecordFormat"/>) in segment files "spill-NNNNNNNNNNNN.seg", each append fsync'd before
/// <see cref="Append"/> returns, so a spilled message may be acknowledged to the broker. The drain reads the oldest
/// segment (sealing the one being written if it is the only one) and deletes it once every record is stored. On open, a
/// torn or corrupt tail left by a crash is cut off, so the buffer survives a killed process. One writer and one drain may
/// use it at once.
/// </summary>
public sealed class SpillBuffer : IDisposable
{
    private static readonly SegmentNaming Naming = new("spill-", ".seg", FirstNumber: 0);

    private readonly Lock _gate = new();
    private readonly SegmentedLog _log;
    private readonly Dictionary<long, int> _recordsIn;
    private readonly Channel<bool> _appended = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ILogger _logger;
    private long _records;

    private SpillBuffer(string folder, long maxBytes, long segmentBytes, SegmentedLog log, Dictionary<long, int> recordsIn, ILogger logger)
    {
        Folder = folder;
        MaxBytes = maxBytes;
        SegmentBytes = segmentBytes;
        _log = log;
        _recordsIn = recordsIn;
        _records = recordsIn.Values.Sum();
        _logger = logger;
    }

    public string Folder { get; }

    public long MaxBytes { get; }

    public long SegmentBytes { get; }

    /// <summary>Bytes on disk in every segment.</summary>
    public long Bytes => _log.Bytes;

    /// <summary>Records waiting to be drained.</summary>
    public long Records { get { lock (_gate) { return _records; } } }

    /// <summary>Opens (creating it if needed) the spill in <paramref name="folder"/>, cutting a torn tail off the newest segment.</summary>
    public static SpillBuffer Open(string folder, long maxBytes, long segmentBytes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, segmentBytes);
        var recordsIn = new Dictionary<long, int>();
        var (log, damage) = SegmentedLog.Open(folder, Naming, SpillRecordFormat.Limits, (segment, _, body) =>
        {
            if (SpillRecordFormat.Decode(body, out var problem) is null)
            {
                return problem;
            }

            recordsIn[segment] = recordsIn.GetValueOrDefault(segment) + 1;
            return null;
        });
        foreach (var d in damage)
        {
            var path = Naming.PathOf(folder, d.Segment);
            if (d.Cut)
            {
                logger.LogWarning("spill segment {Path}: cut {Cut} bytes after {Records} intact records ({Problem}); a crash tore the last write, which was never acknowledged",
                    path, d.Bytes, recordsIn.GetValueOrDefault(d.Segment), d.Problem);
            }
            else
            {
                logger.LogError("spill segment {Path} was damaged after it was written ({Problem}); its {Bytes} bytes from offset {Offset} are skipped",
                    path, d.Problem, d.Bytes, d.Offset);
            }
        }

        var spill = new SpillBuffer(folder, maxBytes, segmentBytes, log, recordsIn, logger);
        if (spill._records > 0)
        {
            logger.LogWarning("spill in {Folder} holds {Records} records ({Bytes} bytes) from an earlier run; they will be drained into the store", folder, spill._records, spill.Bytes);
        }

        return spill;
    }

    /// <summary>
    /// Appends as many of the records, from the first on, as fit under <see cref="MaxBytes"/>, durably (fsynced),
    /// and returns how many that was: all of them, or fewer when the spill is full (none when the disk refuses them).
    /// </summary>
    public int Append(IReadOnlyList<SpillRecord> records)
    {
        using var buffer = new MemoryStream();
        var ends = new long[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            SpillRecordFormat.Write(records[i], buffer);
            ends[i] = buffer.Length;
        }

        lock (_gate)
        {
            var room = MaxBytes - _log.Bytes;
            var fitting = 0;
            while (fitting < ends.Length && ends[fitting] <= room)
            {
                fitting++;
            }

            if (fitting == 0)
            {
                return 0;
            }

            var length = (int)ends[fitting - 1];
            long segment;
            try
            {
                if (_log.ActiveLength > 0 && _log.ActiveLength + length > SegmentBytes)
                {
                    _log.Seal();
                }

                (segment, _) = _log.Append(buffer.GetBuffer().AsSpan(0, length));
                _log.Sync();
            }
            catch (IOException e)
            {
                _logger.LogError("cannot write the spill in {Folder} ({Error}); the batch stays unacknowledged", Folder, e.Message);
                _log.DiscardUnsynced();
                return 0;
            }

            _recordsIn[segment] = _recordsIn.GetValueOrDefault(segment) + fitting;
            _records += fitting;
            _appended.Writer.TryWrite(true);
            return fitting;
        }
    }

    /// <summary>The oldest segment to drain, sealing the segment being written when it is the only one; null when the spill is empty.</summary>
    public SpillSegment? TakeOldest()
    {
        lock (_gate)
        {
            if (_log.OldestSegment is not { } oldest)
            {
                return null;
            }

            if (oldest == _log.ActiveSegment)
            {
                if (_recordsIn.GetValueOrDefault(oldest) == 0)
                {
                    return null;
                }

                _log.Seal();
            }

            return new SpillSegment(oldest, Naming.PathOf(Folder, oldest), _log.LengthOf(oldest) ?? 0, _recordsIn.GetValueOrDefault(oldest));
        }
    }

    /// <summary>Every intact record of a sealed segment, in the order they were appended.</summary>
    public IReadOnlyList<SpillRecord> Read(SpillSegment segment)
    {
        var records = new List<SpillRecord>();
        var scan = _log.ReadRecords(segment.Number, (_, body) =>
        {
            if (SpillRecordFormat.Decode(body, out var problem) is not { } record)
            {
                return problem;
            }

            records.Add(record);
            return null;
        });
        if (scan.Problem is { } damage)
        {
            _logger.LogError("spill segment {Path} was damaged after it was written ({Problem}); draining its {Records} intact records", segment.Path, damage, records.Count);
        }

        return records;
    }

    /// <summary>Deletes a drained segment: call only once every record of it is stored.</summary>
    public void Delete(SpillSegment segment)
    {
        lock (_gate)
        {
            _log.Delete(segment.Number);
            if (_recordsIn.Remove(segment.Number, out var records))
            {
                _records -= records;
            }
        }
    }

    /// <summary>Waits until something is appended (returns at once if something was appended since the last wait).</summary>
    public ValueTask<bool> WaitForAppendAsync(CancellationToken cancellationToken) => _appended.Reader.ReadAsync(cancellationToken);

    public void Dispose() => _log.Dispose();
}
