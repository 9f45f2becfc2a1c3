using Microsoft.Win32.SafeHandles;
using Pipeline.Durability.Files;
using Pipeline.Durability.Framing;

namespace Pipeline.Durability.Logs;

/// <summary>
/// One append-only file of <see cref="RecordFraming"/> records. Writes go after everything written so far and are not
/// fsync'd; <see cref="Commit"/> fsyncs them all at once (group commit) and may run on another thread while writes go
/// on, which the next commit covers. <see cref="Length"/> is where the intact, committed records end: scanned on open,
/// moved by each commit. A reader opened on a file another process appends to sees only whole records whose checksum
/// holds, so a record still being written is simply not visible yet.
/// </summary>
public sealed class RecordFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly FrameLimits _limits;
    private readonly bool _writable;
    private readonly List<FileRegion> _skipped = [];
    private SafeFileHandle? _handle;
    private long _length;
    private long _written;
    private bool _disposed;

    private RecordFile(string path, FrameLimits limits, SafeFileHandle? handle, bool writable)
    {
        Path = path;
        _limits = limits;
        _handle = handle;
        _writable = writable;
    }

    public string Path { get; }

    /// <summary>Where the intact records seen by scans, and those committed since, end.</summary>
    public long Length
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    /// <summary>Where the next write goes: <see cref="Length"/> plus everything written and not yet committed.</summary>
    public long WrittenLength
    {
        get
        {
            lock (_gate)
            {
                return _written;
            }
        }
    }

    /// <summary>Damaged regions that scans with <c>skipDamage</c> stepped over, oldest first.</summary>
    public IReadOnlyList<FileRegion> SkippedRegions
    {
        get
        {
            lock (_gate)
            {
                return [.. _skipped];
            }
        }
    }

    /// <summary>
    /// Opens (or creates) <paramref name="path"/> for appending; a new file's folder (and any missing parent) is fsync'd
    /// too, so the file is not lost with its directory entry. Scan it next: writes go after the intact records a scan found.
    /// </summary>
    /// <param name="syncFolders">
    /// False leaves the directory entries of a new file and of the folders created for it unsynced: for an owner whose
    /// records are durable elsewhere meanwhile (a write-ahead log), which fsyncs those folders (<see cref="DirectoryFlush.ToDisk"/>)
    /// before it relies on the file, saving a new file's fsyncs on the write path.
    /// </param>
    public static RecordFile OpenForAppend(string path, FrameLimits limits, bool syncFolders = true)
    {
        var folder = FolderOf(path);
        if (syncFolders)
        {
            DirectoryFlush.CreateDurably(folder);
        }
        else
        {
            Directory.CreateDirectory(folder);
        }

        var existed = File.Exists(path);
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (!existed && syncFolders)
            {
                DirectoryFlush.ToDisk(folder);
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new RecordFile(path, limits, handle, writable: true);
    }

    /// <summary>
    /// Creates <paramref name="path"/>, which must not exist, holding <paramref name="firstFrames"/>; returns once the
    /// file, its first records and its directory entry are all durable. On failure (a full disk) nothing is left behind.
    /// </summary>
    public static RecordFile CreateNew(string path, FrameLimits limits, ReadOnlySpan<byte> firstFrames)
    {
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            if (!firstFrames.IsEmpty)
            {
                RandomAccess.Write(handle, firstFrames, 0);
                FileFlush.ToDisk(handle, path);
            }

            DirectoryFlush.ToDisk(FolderOf(path));
        }
        catch
        {
            handle.Dispose();
            File.Delete(path);
            throw;
        }

        return new RecordFile(path, limits, handle, writable: true) { _length = firstFrames.Length, _written = firstFrames.Length };
    }

    /// <summary>Opens for reading only; the file may not exist yet (then it reads as empty until it appears).</summary>
    public static RecordFile OpenForReading(string path, FrameLimits limits) => new(path, limits, handle: null, writable: false);

    /// <summary>
    /// Calls <paramref name="onRecord"/> for each intact record after those already seen, and stops at the first record
    /// that is not whole and intact (or that <paramref name="onRecord"/> refuses). With <paramref name="skipDamage"/>, a
    /// damaged record that an intact one follows (bit rot, a bad sector, a stray write in the middle of the file) is
    /// stepped over and remembered in <see cref="SkippedRegions"/>, so the good records after it are not lost with it;
    /// bytes after the last intact record are then a tail still being written, or torn by a crash.
    /// </summary>
    public ScanResult Scan(RecordVisitor onRecord, bool skipDamage = false)
    {
        var handle = Handle();
        if (handle is null)
        {
            return new ScanResult(0, 0, null);
        }

        var end = RandomAccess.GetLength(handle);
        while (true)
        {
            var offset = Length;
            if (offset >= end)
            {
                return new ScanResult(offset, end, null);
            }

            var body = ReadRecord(handle, offset, end, out var problem);
            if (body is not null && onRecord(offset, body) is { } refusal)
            {
                return new ScanResult(offset, end, refusal);
            }

            if (body is null)
            {
                if (!skipDamage || NextRecordAfter(handle, offset, end) is not { } next)
                {
                    return new ScanResult(offset, end, $"at offset {offset}: {problem}");
                }

                lock (_gate)
                {
                    _skipped.Add(new FileRegion(offset, next - offset));
                    _length = _written = next;
                }

                continue;
            }

            lock (_gate)
            {
                _length = _written = offset + RecordFraming.HeaderSize + body.Length;
            }
        }
    }

    /// <summary>Bytes after the intact records, which a crash tore (or that are damaged). Writer only.</summary>
    public byte[] ReadTail()
    {
        var handle = RequireWriter();
        var length = Length;
        var tail = new byte[RandomAccess.GetLength(handle) - length];
        var read = RandomAccess.Read(handle, tail, length);
        return read == tail.Length ? tail : tail[..read];
    }

    /// <summary>Cuts the file back to where its intact records end and fsyncs the cut. Writer only.</summary>
    public void CutTail()
    {
        var handle = RequireWriter();
        lock (_gate)
        {
            RandomAccess.SetLength(handle, _length);
            FileFlush.ToDisk(handle, Path);
            _written = _length;
        }
    }

    /// <summary>
    /// Writes framed records after everything written so far, without fsyncing them, and returns the offset of the first.
    /// A full disk can take part of a write before it refuses the rest: that part is cut off again, so the file still ends
    /// with a whole record and the next write goes where this one would have. Writer only.
    /// </summary>
    public long Write(ReadOnlySpan<byte> frames)
    {
        var handle = RequireWriter();
        lock (_gate)
        {
            var offset = _written;
            try
            {
                RandomAccess.Write(handle, frames, offset);
            }
            catch (IOException)
            {
                RandomAccess.SetLength(handle, offset);
                throw;
            }

            _written += frames.Length;
            return offset;
        }
    }

    /// <summary>Forgets what was written since the last commit: the next write goes over it. For a commit that failed, so its retry does not duplicate it.</summary>
    public void DiscardUncommitted()
    {
        lock (_gate)
        {
            _written = _length;
        }
    }

    /// <summary>Cuts off, durably, what was written since the last commit (a commit that failed). Writer only.</summary>
    public void CutUncommitted() => CutTail();

    /// <summary>
    /// Group commit: one fsync makes everything written so far durable and moves <see cref="Length"/> past it. Safe to call
    /// while another thread writes (that write is covered by the next commit) or disposes the file (then the commit is
    /// left to whoever disposed it). Nothing to commit costs nothing.
    /// </summary>
    public void Commit() => Flush(evenIfClean: false);

    /// <summary>fsyncs the file even with nothing written by this process: what a crashed one wrote may still sit in the page cache only.</summary>
    public void FlushToDisk() => Flush(evenIfClean: true);

    /// <summary>Reads raw bytes (frames) from <paramref name="offset"/>; returns how many were read. Safe to call concurrently with writes.</summary>
    public int ReadAt(long offset, Span<byte> destination)
    {
        var handle = Handle() ?? throw new FileNotFoundException($"{Path} does not exist", Path);
        return RandomAccess.Read(handle, destination, offset);
    }

    /// <summary>The body of the record at <paramref name="offset"/>, checked against its CRC-32. Safe to call concurrently with writes.</summary>
    public byte[] ReadBody(long offset)
    {
        var handle = Handle() ?? throw new InvalidDataException($"{Path} does not exist");
        // No end is known without a system call: a record running past the file's end reads short, which fails just the same.
        return ReadRecord(handle, offset, long.MaxValue, out var problem)
            ?? throw new InvalidDataException($"{Path}: no intact record at offset {offset} ({problem})");
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _handle?.Dispose();
        }
    }

    private void Flush(bool evenIfClean)
    {
        SafeFileHandle handle;
        long through;
        var referenced = false;
        lock (_gate)
        {
            if (_disposed || _handle is null || !_writable || (!evenIfClean && _written == _length))
            {
                return;
            }

            // The reference keeps the handle open should the owner dispose the file during the fsync.
            handle = _handle;
            through = _written;
            handle.DangerousAddRef(ref referenced);
        }

        try
        {
            FileFlush.ToDisk(handle, Path);
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }

        lock (_gate)
        {
            _length = Math.Max(_length, through);
        }
    }

    /// <summary>The body of the intact record at <paramref name="offset"/>, or null with the problem.</summary>
    private byte[]? ReadRecord(SafeFileHandle handle, long offset, long end, out string? problem)
    {
        Span<byte> header = stackalloc byte[RecordFraming.HeaderSize];
        var headerRead = end - offset < RecordFraming.HeaderSize ? (int)Math.Max(0, end - offset) : RandomAccess.Read(handle, header, offset);
        if (headerRead < RecordFraming.HeaderSize)
        {
            problem = $"{headerRead} bytes remain, fewer than the {RecordFraming.HeaderSize}-byte record header";
            return null;
        }

        var length = RecordFraming.AnnouncedBodyLength(header);
        if (!_limits.Allows(length))
        {
            problem = $"record length {length} is outside {_limits.MinBodyLength}..{_limits.MaxBodyLength}";
            return null;
        }

        if (offset + RecordFraming.HeaderSize + length > end)
        {
            problem = $"the record says {length} bytes but only {end - offset - RecordFraming.HeaderSize} follow";
            return null;
        }

        var body = new byte[length];
        if (RandomAccess.Read(handle, body, offset + RecordFraming.HeaderSize) != body.Length)
        {
            problem = "the record could not be read whole";
            return null;
        }

        if (!RecordFraming.ChecksumHolds(header, body))
        {
            problem = "the record's CRC-32 does not match its body";
            return null;
        }

        problem = null;
        return body;
    }

    /// <summary>
    /// Where the next intact record after the damaged one at <paramref name="offset"/> starts, or null if none does. Tries
    /// first where the damaged record's own length says the next begins (only its body was damaged), then every byte;
    /// a CRC-32 match by chance is one in four billion per position.
    /// </summary>
    private long? NextRecordAfter(SafeFileHandle handle, long offset, long end)
    {
        Span<byte> header = stackalloc byte[RecordFraming.HeaderSize];
        if (RandomAccess.Read(handle, header, offset) == RecordFraming.HeaderSize)
        {
            var claimed = offset + RecordFraming.HeaderSize + RecordFraming.AnnouncedBodyLength(header);
            if (claimed < end && ReadRecord(handle, claimed, end, out _) is not null)
            {
                return claimed;
            }
        }

        for (var candidate = offset + 1; candidate + RecordFraming.HeaderSize < end; candidate++)
        {
            if (ReadRecord(handle, candidate, end, out _) is not null)
            {
                return candidate;
            }
        }

        return null;
    }

    private SafeFileHandle RequireWriter() =>
        _writable ? Handle()! : throw new InvalidOperationException($"{Path} is open read-only");

    private SafeFileHandle? Handle()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_handle is null && File.Exists(Path))
            {
                _handle = File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }

            return _handle;
        }
    }

    private static string FolderOf(string path) => System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
}
