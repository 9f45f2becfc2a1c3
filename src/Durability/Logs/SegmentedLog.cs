using Pipeline.Durability.Framing;

namespace Pipeline.Durability.Logs;

/// <summary>
/// A crash-safe append log of <see cref="RecordFraming"/> records in numbered segment files (<see cref="SegmentNaming"/>).
/// Appends go to the newest (active) segment and are not fsync'd; <see cref="Sync"/> is the group commit: one fsync covers
/// every append so far, and it may run on its own thread while appends go on. A segment is fsync'd when the next one
/// starts, so only the active segment can have an unsynced tail, which a crash may tear; on open that torn tail is cut off.
/// A new segment's file is created together with an fsync of the folder, so a power cut cannot lose its directory entry.
/// What the records mean, which segments may go and what a size cap drops are the owner's business: it deletes segments
/// itself. Thread-safe.
/// </summary>
public sealed class SegmentedLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, long> _lengths = [];
    private RecordFile? _active;
    private long _activeNumber;
    private long _nextNumber;
    private long _bytes;
    private RecordFile? _reader;
    private long _readerNumber;
    private bool _disposed;

    private SegmentedLog(string folder, SegmentNaming naming, FrameLimits limits)
    {
        Folder = folder;
        Naming = naming;
        Limits = limits;
    }

    public string Folder { get; }

    public SegmentNaming Naming { get; }

    public FrameLimits Limits { get; }

    /// <summary>Bytes in every segment on disk.</summary>
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

    /// <summary>The segments on disk, oldest first.</summary>
    public IReadOnlyList<long> Segments
    {
        get
        {
            lock (_gate)
            {
                return [.. _lengths.Keys];
            }
        }
    }

    /// <summary>The oldest segment on disk; null when there is none.</summary>
    public long? OldestSegment
    {
        get
        {
            lock (_gate)
            {
                return _lengths.Count > 0 ? _lengths.Keys.First() : null;
            }
        }
    }

    /// <summary>The segment appends go to; null after <see cref="Seal"/> until the next append starts one.</summary>
    public long? ActiveSegment
    {
        get
        {
            lock (_gate)
            {
                return _active is null ? null : _activeNumber;
            }
        }
    }

    /// <summary>Bytes written to the active segment (0 when there is none).</summary>
    public long ActiveLength
    {
        get
        {
            lock (_gate)
            {
                return _active?.WrittenLength ?? 0;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the log in <paramref name="folder"/>, calling <paramref name="onRecord"/> with (segment, offset,
    /// body) for each intact record, oldest first; a record it refuses counts as damaged. In each segment the scan stops at
    /// the first damaged record: the newest segment's torn tail is cut off (and fsync'd), an older segment's damage is left
    /// and skipped (both are reported). The newest segment is reopened for appending and fsync'd (what a crashed process
    /// wrote may still sit in the page cache only); an empty folder gets a first segment, and an older segment that is
    /// empty is deleted.
    /// </summary>
    public static (SegmentedLog Log, IReadOnlyList<SegmentDamage> Damage) Open(
        string folder, SegmentNaming naming, FrameLimits limits, Func<long, long, byte[], string?> onRecord)
    {
        Files.DirectoryFlush.CreateDurably(folder);
        var log = new SegmentedLog(folder, naming, limits);
        var damage = new List<SegmentDamage>();
        try
        {
            var numbers = naming.Find(folder);
            foreach (var number in numbers)
            {
                var newest = number == numbers[^1];
                var path = naming.PathOf(folder, number);
                var file = newest ? RecordFile.OpenForAppend(path, limits) : RecordFile.OpenForReading(path, limits);
                var scan = file.Scan((offset, body) => onRecord(number, offset, body));
                if (scan.Problem is { } problem)
                {
                    damage.Add(new SegmentDamage(number, scan.End, scan.TailBytes, problem, Cut: newest));
                    if (newest)
                    {
                        file.CutTail();
                    }
                }

                if (newest)
                {
                    file.FlushToDisk();
                    log._active = file;
                    log._activeNumber = number;
                    log.Track(number, scan.End);
                    continue;
                }

                file.Dispose();
                if (scan.FileLength == 0)
                {
                    File.Delete(path);
                    continue;
                }

                log.Track(number, scan.FileLength);
            }

            log._nextNumber = numbers.Count > 0 ? numbers[^1] + 1 : naming.FirstNumber;
            if (log._active is null)
            {
                log.StartActive(ReadOnlySpan<byte>.Empty);
            }
        }
        catch
        {
            log.Dispose();
            throw;
        }

        return (log, damage);
    }

    /// <summary>The bytes of <paramref name="segment"/> on disk; null when it is not (or no longer) there.</summary>
    public long? LengthOf(long segment)
    {
        lock (_gate)
        {
            return _lengths.TryGetValue(segment, out var length) ? length : null;
        }
    }

    /// <summary>
    /// Appends framed records (<see cref="RecordFraming"/>) to the active segment, starting one if there is none, without
    /// fsyncing them; returns the segment and the offset of the first. On failure (a full disk) nothing of them is left.
    /// </summary>
    public (long Segment, long Offset) Append(ReadOnlySpan<byte> frames)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_active is null)
            {
                StartActive(ReadOnlySpan<byte>.Empty);
            }

            var offset = _active!.Write(frames);
            Track(_activeNumber, _active.WrittenLength);
            return (_activeNumber, offset);
        }
    }

    /// <summary>
    /// Group commit: fsyncs every append made before this call with one fsync. Appends go on meanwhile; the next call
    /// covers them. Older segments were fsync'd when they were sealed, so syncing the active one is enough.
    /// </summary>
    public void Sync()
    {
        RecordFile? active;
        lock (_gate)
        {
            active = _disposed ? null : _active;
        }

        // A segment sealed (and disposed) meanwhile was fsync'd by the seal: its commit then has nothing left to do.
        active?.Commit();
    }

    /// <summary>
    /// Cuts the active segment back, durably, to what the last <see cref="Sync"/> covered: for appends whose sync failed,
    /// which will be retried. Should even the cut fail, the segment is sealed as it is (a scan stops at its first damaged
    /// record) and the next append starts a new one.
    /// </summary>
    public void DiscardUnsynced()
    {
        lock (_gate)
        {
            if (_active is null)
            {
                return;
            }

            try
            {
                _active.CutUncommitted();
                Track(_activeNumber, _active.WrittenLength);
            }
            catch (IOException)
            {
                _active.Dispose();
                _active = null;
            }
        }
    }

    /// <summary>
    /// Seals the active segment (fsyncing it) and starts the next with <paramref name="firstFrames"/>, which are fsync'd
    /// with the new file's directory entry before this returns; returns the new segment's number. When the new segment
    /// cannot be started (a full disk), nothing of it is left and appends go on in the old one.
    /// </summary>
    public long StartSegment(ReadOnlySpan<byte> firstFrames)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var previous = _active;
            var previousNumber = _activeNumber;
            previous?.Commit();
            StartActive(firstFrames);
            if (previous is not null)
            {
                Close(previous, previousNumber);
            }

            return _activeNumber;
        }
    }

    /// <summary>Seals the active segment (fsyncing it; an empty one is deleted instead): the next append starts a new segment.</summary>
    public void Seal()
    {
        lock (_gate)
        {
            if (_active is null)
            {
                return;
            }

            _active.Commit();
            Close(_active, _activeNumber);
            _active = null;
        }
    }

    /// <summary>Reads raw bytes (whole frames, for <see cref="RecordFraming"/> to check) of <paramref name="segment"/> from <paramref name="offset"/>; returns how many were read.</summary>
    public int Read(long segment, long offset, Span<byte> destination)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return (_active is not null && segment == _activeNumber ? _active : ReaderFor(segment)).ReadAt(offset, destination);
        }
    }

    /// <summary>Calls <paramref name="onRecord"/> with (offset, body) for each intact record of <paramref name="segment"/>, stopping at the first damaged one.</summary>
    public ScanResult ReadRecords(long segment, RecordVisitor onRecord)
    {
        using var file = RecordFile.OpenForReading(Naming.PathOf(Folder, segment), Limits);
        return file.Scan(onRecord);
    }

    /// <summary>Deletes <paramref name="segment"/>, which must not be the active one.</summary>
    public void Delete(long segment)
    {
        lock (_gate)
        {
            if (_active is not null && segment == _activeNumber)
            {
                throw new InvalidOperationException($"{Naming.PathOf(Folder, segment)} is the segment being appended to; seal it first");
            }

            if (_reader is not null && _readerNumber == segment)
            {
                _reader.Dispose();
                _reader = null;
            }

            File.Delete(Naming.PathOf(Folder, segment));
            if (_lengths.Remove(segment, out var length))
            {
                _bytes -= length;
            }
        }
    }

    /// <summary>Closes the files; what was appended and not synced is not fsync'd (call <see cref="Sync"/> first).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _active?.Dispose();
            _reader?.Dispose();
            _reader = null;
        }
    }

    private void StartActive(ReadOnlySpan<byte> firstFrames)
    {
        var number = _nextNumber;
        _active = RecordFile.CreateNew(Naming.PathOf(Folder, number), Limits, firstFrames);
        _activeNumber = number;
        _nextNumber = number + 1;
        Track(number, firstFrames.Length);
    }

    private void Close(RecordFile file, long number)
    {
        var empty = file.WrittenLength == 0;
        file.Dispose();
        if (empty)
        {
            File.Delete(file.Path);
            _bytes -= _lengths[number];
            _lengths.Remove(number);
        }
    }

    private void Track(long segment, long length)
    {
        _bytes += length - _lengths.GetValueOrDefault(segment);
        _lengths[segment] = length;
    }

    private RecordFile ReaderFor(long segment)
    {
        if (_reader is null || _readerNumber != segment)
        {
            _reader?.Dispose();
            _reader = RecordFile.OpenForReading(Naming.PathOf(Folder, segment), Limits);
            _readerNumber = segment;
        }

        return _reader;
    }
}
