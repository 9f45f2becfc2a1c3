using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// One append-only file of framed records: [u32 body length][u32 CRC-32 of the body][body], little-endian
/// (docs/STORAGE.md). The only reader and writer of that framing. A writer fsyncs before an append returns;
/// a reader sees only whole records whose checksum holds, so a record still being written is simply not yet visible.
/// </summary>
internal sealed class AppendOnlyLog : IDisposable
{
    public const int HeaderSize = 8;
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    private readonly string _path;
    private readonly FileStream? _writer;
    private SafeFileHandle? _reader;
    private long _scannedLength;
    private long _uncommittedLength;
    private readonly List<(long Offset, long Length)> _corrupt = [];
    private int _corruptPreserved;

    private AppendOnlyLog(string path, FileStream? writer)
    {
        _path = path;
        _writer = writer;
        _reader = writer?.SafeFileHandle;
    }

    public string Path => _path;

    /// <summary>Bytes of whole, valid records seen so far.</summary>
    public long Length => _scannedLength;

    /// <summary>Opens (creating) the file for appending. Call <see cref="ScanNew"/> next, then <see cref="DropTornTail"/>.</summary>
    public static AppendOnlyLog OpenForAppend(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        return new AppendOnlyLog(path, stream);
    }

    /// <summary>Opens for reading only; the file may not exist yet (then it reads as empty until it appears).</summary>
    public static AppendOnlyLog OpenForReading(string path) => new(path, writer: null);

    /// <summary>
    /// Calls <paramref name="onRecord"/> with (offset, body) for each whole valid record after those already seen. A
    /// record that fails its checks but is followed by a valid one (bit rot, a bad sector, a stray write in the middle of
    /// the file) is skipped, and its bytes are remembered (<see cref="PreserveCorruption"/>), so the good records after it
    /// are not lost with it; bytes after the last valid record are a tail still being written, or torn by a crash.
    /// </summary>
    /// <returns>True when the file ends cleanly after the last valid record; false when bytes follow that do not form a valid record (yet).</returns>
    public bool ScanNew(Action<long, byte[]> onRecord)
    {
        var handle = ReaderHandle();
        if (handle is null)
        {
            return true;
        }

        var end = RandomAccess.GetLength(handle);
        while (true)
        {
            var offset = _scannedLength;
            if (end - offset == 0)
            {
                return true;
            }

            var body = ReadRecord(handle, offset, end);
            if (body is null)
            {
                if (NextRecordAfter(handle, offset, end) is not { } next)
                {
                    return false;
                }

                _corrupt.Add((offset, next - offset));
                _scannedLength = next;
                continue;
            }

            _scannedLength = offset + HeaderSize + body.Length;
            onRecord(offset, body);
        }
    }

    /// <summary>
    /// Copies each corrupt region skipped since the last call to "FILE.corrupt-OFFSET" beside the log and logs it, so
    /// what was skipped can be examined and nothing is destroyed unseen. The log itself is left as it is.
    /// </summary>
    public void PreserveCorruption(ILogger logger)
    {
        var handle = ReaderHandle();
        foreach (var (offset, length) in _corrupt.Skip(_corruptPreserved))
        {
            var bytes = new byte[length];
            if (handle is not null)
            {
                RandomAccess.Read(handle, bytes, offset);
            }

            var path = $"{_path}.corrupt-{offset}";
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, bytes);
            }

            logger.LogWarning("{Path}: skipped {Bytes} corrupt bytes at offset {Offset} and kept every valid record after them (the bytes are in {CorruptPath})",
                _path, length, offset, path);
        }

        _corruptPreserved = _corrupt.Count;
    }

    /// <summary>The body of the whole, valid record at <paramref name="offset"/>, or null.</summary>
    private static byte[]? ReadRecord(SafeFileHandle handle, long offset, long end)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (end - offset < HeaderSize || RandomAccess.Read(handle, header, offset) != HeaderSize)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length == 0 || length > MaxBodyBytes || offset + HeaderSize + length > end)
        {
            return null;
        }

        var body = new byte[length];
        return RandomAccess.Read(handle, body, offset + HeaderSize) == body.Length && Crc32.HashToUInt32(body) == checksum ? body : null;
    }

    /// <summary>
    /// Where the next valid record after the invalid one at <paramref name="offset"/> starts, or null if none does. Tries
    /// first where the invalid record's own length says the next begins (only its body was damaged), then every byte;
    /// a CRC-32 match by chance is one in four billion per position.
    /// </summary>
    private static long? NextRecordAfter(SafeFileHandle handle, long offset, long end)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (RandomAccess.Read(handle, header, offset) == HeaderSize)
        {
            var claimed = offset + HeaderSize + BinaryPrimitives.ReadUInt32LittleEndian(header);
            if (claimed < end && ReadRecord(handle, claimed, end) is not null)
            {
                return claimed;
            }
        }

        for (var candidate = offset + 1; candidate + HeaderSize < end; candidate++)
        {
            if (ReadRecord(handle, candidate, end) is not null)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// Cuts the file back to its last valid record (a crash tore the tail), first copying the cut bytes to
    /// "FILE.torn-OFFSET" beside it, so nothing is destroyed unseen. Writer only.
    /// </summary>
    public void DropTornTail(ILogger logger)
    {
        var writer = RequireWriter();
        var end = writer.Length;
        if (end == _scannedLength)
        {
            return;
        }

        var tornPath = $"{_path}.torn-{_scannedLength}";
        var torn = new byte[end - _scannedLength];
        RandomAccess.Read(writer.SafeFileHandle, torn, _scannedLength);
        File.WriteAllBytes(tornPath, torn);
        writer.SetLength(_scannedLength);
        writer.Flush(flushToDisk: true);
        logger.LogWarning("{Path}: dropped a torn tail of {Bytes} bytes after offset {Offset} (kept in {TornPath})", _path, torn.Length, _scannedLength, tornPath);
    }

    /// <summary>Appends the bodies as records and fsyncs; returns each record's offset. Writer only; callers serialise appends.</summary>
    public long[] Append(IReadOnlyList<byte[]> bodies)
    {
        var offsets = WriteUncommitted(bodies);
        Commit();
        return offsets;
    }

    /// <summary>
    /// Writes the bodies as records after the last committed one, without fsyncing, and returns each record's offset;
    /// <see cref="Commit"/> makes them durable and counts them. Split from <see cref="Append"/> so that a store writing to
    /// several logs at once can write them all and then fsync them together (group commit). A write that is never
    /// committed is overwritten by the next one, so a failed fsync leaves nothing behind that the retry would duplicate.
    /// Writer only; callers serialise writes and commits.
    /// </summary>
    public long[] WriteUncommitted(IReadOnlyList<byte[]> bodies)
    {
        var writer = RequireWriter();
        var total = 0L;
        foreach (var body in bodies)
        {
            if (body.Length is 0 or > MaxBodyBytes)
            {
                throw new ArgumentException($"a record body must be 1..{MaxBodyBytes} bytes; got {body.Length}", nameof(bodies));
            }

            total += HeaderSize + body.Length;
        }

        var buffer = new byte[total];
        var offsets = new long[bodies.Count];
        var position = 0;
        for (var i = 0; i < bodies.Count; i++)
        {
            var body = bodies[i];
            offsets[i] = _scannedLength + position;
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(position), (uint)body.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(position + 4), Crc32.HashToUInt32(body));
            body.CopyTo(buffer, position + HeaderSize);
            position += HeaderSize + body.Length;
        }

        writer.Position = _scannedLength;
        writer.Write(buffer);
        _uncommittedLength = total;
        return offsets;
    }

    /// <summary>Fsyncs what <see cref="WriteUncommitted"/> wrote and counts it as appended. Writer only.</summary>
    public void Commit()
    {
        if (_uncommittedLength == 0)
        {
            return;
        }

        RequireWriter().Flush(flushToDisk: true);
        _scannedLength += _uncommittedLength;
        _uncommittedLength = 0;
    }

    /// <summary>Reads back the body of the record at <paramref name="offset"/>, checking its checksum. Safe to call concurrently with appends.</summary>
    public byte[] Read(long offset)
    {
        var handle = ReaderHandle() ?? throw new InvalidDataException($"{_path} does not exist");
        Span<byte> header = stackalloc byte[HeaderSize];
        if (RandomAccess.Read(handle, header, offset) != HeaderSize)
        {
            throw new InvalidDataException($"{_path}: no record header at offset {offset}");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length is 0 or > MaxBodyBytes)
        {
            throw new InvalidDataException($"{_path}: record at offset {offset} claims {length} bytes");
        }

        var body = new byte[length];
        if (RandomAccess.Read(handle, body, offset + HeaderSize) != body.Length || Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(header[4..]))
        {
            throw new InvalidDataException($"{_path}: record at offset {offset} fails its checksum");
        }

        return body;
    }

    public void Dispose()
    {
        if (_writer is not null)
        {
            _writer.Dispose();
        }
        else
        {
            _reader?.Dispose();
        }
    }

    private FileStream RequireWriter() => _writer ?? throw new InvalidOperationException($"{_path} is open read-only");

    private SafeFileHandle? ReaderHandle()
    {
        if (Volatile.Read(ref _reader) is null && File.Exists(_path))
        {
            var opened = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (Interlocked.CompareExchange(ref _reader, opened, null) is not null)
            {
                opened.Dispose();
            }
        }

        return Volatile.Read(ref _reader);
    }
}
