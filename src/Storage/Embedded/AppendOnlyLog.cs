using System.Buffers;
using Microsoft.Extensions.Logging;
using Pipeline.Durability.Framing;
using Pipeline.Durability.Logs;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// One of the store's append-only files (docs/STORAGE.md): a <see cref="RecordFile"/> of framed records, with the store's
/// own policy on top: nothing is destroyed unseen (a corrupt region skipped or a torn tail cut is first copied beside the
/// log) and every write is fsync'd before it counts, here or, for motion records, in the store's write-ahead log. A writer fsyncs before an append returns; a reader sees only whole
/// records whose checksum holds, so a record still being written is simply not yet visible.
/// </summary>
internal sealed class AppendOnlyLog : IDisposable
{
    public const int HeaderSize = RecordFraming.HeaderSize;
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    private static readonly FrameLimits Limits = new(1, MaxBodyBytes);

    private readonly RecordFile _file;
    private int _corruptPreserved;

    private AppendOnlyLog(RecordFile file)
    {
        _file = file;
    }

    public string Path => _file.Path;

    /// <summary>Bytes of whole, valid records seen so far.</summary>
    public long Length => _file.Length;

    /// <summary>Bytes appended and not yet fsync'd (<see cref="AppendUnsynced"/> before a <see cref="Commit"/>).</summary>
    public long UnsyncedBytes => _file.WrittenLength - _file.Length;

    /// <summary>Opens (creating) the file for appending. Call <see cref="ScanNew"/> next, then <see cref="DropTornTail"/>.</summary>
    /// <param name="syncFolders">False leaves a new file's directory entry (and its new folder's) for the caller to fsync (<see cref="RecordFile.OpenForAppend"/>).</param>
    public static AppendOnlyLog OpenForAppend(string path, bool syncFolders = true) => new(RecordFile.OpenForAppend(path, Limits, syncFolders));

    /// <summary>Opens for reading only; the file may not exist yet (then it reads as empty until it appears).</summary>
    public static AppendOnlyLog OpenForReading(string path) => new(RecordFile.OpenForReading(path, Limits));

    /// <summary>
    /// Calls <paramref name="onRecord"/> with (offset, body) for each whole valid record after those already seen. A
    /// record that fails its checks but is followed by a valid one is skipped, and its bytes are remembered
    /// (<see cref="PreserveCorruption"/>), so the good records after it are not lost with it.
    /// </summary>
    /// <returns>True when the file ends cleanly after the last valid record; false when bytes follow that do not form a valid record (yet).</returns>
    public bool ScanNew(Action<long, byte[]> onRecord) =>
        _file.Scan((offset, body) =>
        {
            onRecord(offset, body);
            return null;
        }, skipDamage: true).EndsCleanly;

    /// <summary>
    /// Copies each corrupt region skipped since the last call to "FILE.corrupt-OFFSET" beside the log and logs it, so
    /// what was skipped can be examined and nothing is destroyed unseen. The log itself is left as it is.
    /// </summary>
    public void PreserveCorruption(ILogger logger)
    {
        var skipped = _file.SkippedRegions;
        foreach (var (offset, length) in skipped.Skip(_corruptPreserved))
        {
            var bytes = new byte[length];
            _file.ReadAt(offset, bytes);
            var path = $"{Path}.corrupt-{offset}";
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, bytes);
            }

            logger.LogWarning("{Path}: skipped {Bytes} corrupt bytes at offset {Offset} and kept every valid record after them (the bytes are in {CorruptPath})",
                Path, length, offset, path);
        }

        _corruptPreserved = skipped.Count;
    }

    /// <summary>
    /// Cuts the file back to its last valid record (a crash tore the tail), first copying the cut bytes to
    /// "FILE.torn-OFFSET" beside it, so nothing is destroyed unseen. Writer only.
    /// </summary>
    public void DropTornTail(ILogger logger)
    {
        var torn = _file.ReadTail();
        if (torn.Length == 0)
        {
            return;
        }

        var tornPath = $"{Path}.torn-{Length}";
        File.WriteAllBytes(tornPath, torn);
        _file.CutTail();
        logger.LogWarning("{Path}: dropped a torn tail of {Bytes} bytes after offset {Offset} (kept in {TornPath})", Path, torn.Length, Length, tornPath);
    }

    /// <summary>Appends the bodies as records and fsyncs; returns each record's offset. Writer only; callers serialise appends.</summary>
    public long[] Append(IReadOnlyList<byte[]> bodies)
    {
        // A write whose commit failed is overwritten, so the retry does not duplicate it.
        _file.DiscardUncommitted();
        var offsets = AppendUnsynced([.. bodies.Select(body => new ReadOnlyMemory<byte>(body))]);
        Commit();
        return offsets;
    }

    /// <summary>
    /// Writes the bodies as records after everything written so far, without fsyncing, and returns each record's offset;
    /// they are readable at once and <see cref="Commit"/> makes them durable. For records that are already durable
    /// elsewhere (the store's write-ahead log), whose fsync can wait for a checkpoint. Writer only; callers serialise writes.
    /// </summary>
    public long[] AppendUnsynced(IReadOnlyList<ReadOnlyMemory<byte>> bodies)
    {
        var total = 0L;
        foreach (var body in bodies)
        {
            if (body.Length is 0 or > MaxBodyBytes)
            {
                throw new ArgumentException($"a record body must be 1..{MaxBodyBytes} bytes; got {body.Length}", nameof(bodies));
            }

            total += HeaderSize + body.Length;
        }

        // Pooled: a device's share of a write is often over the large-object threshold, and a fresh one per write kept the GC busy.
        var rented = ArrayPool<byte>.Shared.Rent(checked((int)total));
        var relative = new long[bodies.Count];
        try
        {
            var position = 0;
            for (var i = 0; i < bodies.Count; i++)
            {
                var body = bodies[i];
                relative[i] = position;
                var frame = rented.AsSpan(position, HeaderSize + body.Length);
                body.Span.CopyTo(frame[HeaderSize..]);
                RecordFraming.WriteHeader(frame);
                position += frame.Length;
            }

            var start = _file.Write(rented.AsSpan(0, position));
            for (var i = 0; i < relative.Length; i++)
            {
                relative[i] += start;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return relative;
    }

    /// <summary>Fsyncs what was written and counts it as appended (nothing to fsync costs nothing). Safe to call while another thread reads.</summary>
    public void Commit() => _file.Commit();

    /// <summary>Reads back the body of the record at <paramref name="offset"/>, checking its checksum. Safe to call concurrently with appends.</summary>
    public byte[] Read(long offset) => _file.ReadBody(offset);

    public void Dispose() => _file.Dispose();
}
