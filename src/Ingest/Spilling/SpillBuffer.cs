using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Pipeline.Ingest.Spilling;

/// <summary>
/// A bounded, crash-safe on-disk buffer of messages the store could not take. Records (see
/// <see cref="SpillRecordFormat"/>) are appended to numbered segment files "spill-NNNNNNNNNNNN.seg" and fsynced
/// before <see cref="Append"/> returns, so a spilled message may be acknowledged to the broker. The drain reads
/// the oldest segment (sealing the one being written if it is the only one) and deletes it once every record is
/// stored. On open, a torn or corrupt tail left by a crash is cut off, so the buffer survives a killed process.
/// One writer and one drain may use it at once.
/// </summary>
public sealed class SpillBuffer : IDisposable
{
    private const string Prefix = "spill-";
    private const string Extension = ".seg";

    private readonly Lock _gate = new();
    private readonly List<SpillSegment> _sealed = [];
    private readonly Channel<bool> _appended = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ILogger _logger;
    private FileStream? _active;
    private long _activeNumber;
    private long _activeBytes;
    private int _activeRecords;
    private long _nextNumber;
    private long _bytes;
    private long _records;

    private SpillBuffer(string folder, long maxBytes, long segmentBytes, ILogger logger)
    {
        Folder = folder;
        MaxBytes = maxBytes;
        SegmentBytes = segmentBytes;
        _logger = logger;
    }

    public string Folder { get; }

    public long MaxBytes { get; }

    public long SegmentBytes { get; }

    /// <summary>Bytes on disk in every segment.</summary>
    public long Bytes { get { lock (_gate) { return _bytes; } } }

    /// <summary>Records waiting to be drained.</summary>
    public long Records { get { lock (_gate) { return _records; } } }

    /// <summary>
    /// Opens (creating it if needed) the spill in <paramref name="folder"/>, cutting a torn tail off any segment
    /// and deleting segments left empty.
    /// </summary>
    public static SpillBuffer Open(string folder, long maxBytes, long segmentBytes, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segmentBytes, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, segmentBytes);
        Directory.CreateDirectory(folder);
        var spill = new SpillBuffer(folder, maxBytes, segmentBytes, logger);
        foreach (var (number, path) in Segments(folder))
        {
            var (records, intactBytes, problem) = Scan(path);
            if (problem is not null)
            {
                logger.LogWarning("spill segment {Path}: cut {Cut} bytes after {Records} intact records ({Problem}); a crash tore the last write, which was never acknowledged",
                    path, new FileInfo(path).Length - intactBytes, records.Count, problem);
                using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
                file.SetLength(intactBytes);
                file.Flush(flushToDisk: true);
            }

            if (records.Count == 0)
            {
                File.Delete(path);
                continue;
            }

            spill._sealed.Add(new SpillSegment(number, path, intactBytes, records.Count));
            spill._bytes += intactBytes;
            spill._records += records.Count;
            spill._nextNumber = number + 1;
        }

        if (spill._records > 0)
        {
            logger.LogWarning("spill in {Folder} holds {Records} records ({Bytes} bytes) from an earlier run; they will be drained into the store", folder, spill._records, spill._bytes);
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

        int fitting;
        lock (_gate)
        {
            var room = MaxBytes - _bytes;
            fitting = 0;
            while (fitting < ends.Length && ends[fitting] <= room)
            {
                fitting++;
            }

            if (fitting == 0)
            {
                return 0;
            }

            var length = ends[fitting - 1];
            if (_active is null || (_activeBytes > 0 && _activeBytes + length > SegmentBytes))
            {
                SealActive();
                _activeNumber = _nextNumber++;
                _active = new FileStream(PathOf(_activeNumber), FileMode.CreateNew, FileAccess.Write, FileShare.Read);
                _activeBytes = 0;
                _activeRecords = 0;
            }

            try
            {
                _active.Write(buffer.GetBuffer(), 0, (int)length);
                _active.Flush(flushToDisk: true);
            }
            catch (IOException e)
            {
                _logger.LogError("cannot write the spill in {Folder} ({Error}); the batch stays unacknowledged", Folder, e.Message);
                TryCutActiveBackTo(_activeBytes);
                return 0;
            }

            _activeBytes += length;
            _activeRecords += fitting;
            _bytes += length;
            _records += fitting;
        }

        _appended.Writer.TryWrite(true);
        return fitting;
    }

    /// <summary>The oldest segment to drain, sealing the segment being written when it is the only one; null when the spill is empty.</summary>
    public SpillSegment? TakeOldest()
    {
        lock (_gate)
        {
            if (_sealed.Count == 0)
            {
                SealActive();
            }

            return _sealed.Count == 0 ? null : _sealed[0];
        }
    }

    /// <summary>Every intact record of a sealed segment, in the order they were appended.</summary>
    public IReadOnlyList<SpillRecord> Read(SpillSegment segment)
    {
        var (records, _, problem) = Scan(segment.Path);
        if (problem is not null)
        {
            _logger.LogError("spill segment {Path} was damaged after it was written ({Problem}); draining its {Records} intact records", segment.Path, problem, records.Count);
        }

        return records;
    }

    /// <summary>Deletes a drained segment: call only once every record of it is stored.</summary>
    public void Delete(SpillSegment segment)
    {
        lock (_gate)
        {
            File.Delete(segment.Path);
            if (_sealed.Remove(segment))
            {
                _bytes -= segment.Bytes;
                _records -= segment.Records;
            }
        }
    }

    /// <summary>Waits until something is appended (returns at once if something was appended since the last wait).</summary>
    public ValueTask<bool> WaitForAppendAsync(CancellationToken cancellationToken) => _appended.Reader.ReadAsync(cancellationToken);

    public void Dispose()
    {
        lock (_gate)
        {
            _active?.Dispose();
            _active = null;
        }
    }

    private void SealActive()
    {
        if (_active is null)
        {
            return;
        }

        _active.Dispose();
        _active = null;
        if (_activeRecords == 0)
        {
            File.Delete(PathOf(_activeNumber));
            return;
        }

        _sealed.Add(new SpillSegment(_activeNumber, PathOf(_activeNumber), _activeBytes, _activeRecords));
    }

    private void TryCutActiveBackTo(long length)
    {
        try
        {
            _active!.SetLength(length);
            _active.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // The next open cuts whatever this left behind at the first record that fails its CRC.
            _active!.Dispose();
            _active = null;
            _sealed.Add(new SpillSegment(_activeNumber, PathOf(_activeNumber), _activeBytes, _activeRecords));
        }
    }

    private string PathOf(long number) => Path.Combine(Folder, $"{Prefix}{number.ToString("D12", CultureInfo.InvariantCulture)}{Extension}");

    private static List<(long Number, string Path)> Segments(string folder) =>
        Directory.EnumerateFiles(folder, $"{Prefix}*{Extension}")
            .Select(path => (Name: Path.GetFileNameWithoutExtension(path), Path: path))
            .Select(f => (Ok: long.TryParse(f.Name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n), Number: n, f.Path))
            .Where(f => f.Ok)
            .OrderBy(f => f.Number)
            .Select(f => (f.Number, f.Path))
            .ToList();

    private static (List<SpillRecord> Records, long IntactBytes, string? Problem) Scan(string path)
    {
        var data = File.ReadAllBytes(path);
        var records = new List<SpillRecord>();
        var offset = 0;
        while (offset < data.Length)
        {
            if (!SpillRecordFormat.TryRead(data.AsSpan(offset), data.Length - offset, out var record, out var consumed, out var problem))
            {
                return (records, offset, $"at byte {offset}: {problem}");
            }

            records.Add(record!);
            offset += consumed;
        }

        return (records, offset, null);
    }
}
