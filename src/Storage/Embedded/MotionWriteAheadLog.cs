using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;
using Pipeline.Durability.Framing;
using Pipeline.Durability.Logs;
using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// The store's one write-ahead log of motion records (docs/STORAGE.md), in "wal/": a motion write appends every new
/// batch here, and the fsync that covers them, whatever number of devices they span, is what makes the write durable.
/// The fsyncs run on a thread of their own (<see cref="BackgroundCommit"/>), so the next write appends while the disk
/// works on the last. The device logs get the same records without an fsync once they are durable here; a checkpoint
/// fsyncs the device logs and then drops the segments they cover, and opening the store replays whatever segments are left. One reader and one writer of the record format:
/// device id length u8, device id (ASCII), the motion record body exactly as the device log holds it.
/// </summary>
internal sealed class MotionWriteAheadLog : IDisposable
{
    public const string FolderName = "wal";

    private static readonly SegmentNaming Naming = new("wal-", ".seg", 1);
    private static readonly FrameLimits Limits = new(2, 1 + Identifiers.MaxLength + AppendOnlyLog.MaxBodyBytes);

    private readonly SegmentedLog _log;
    private readonly BackgroundCommit _commit;

    private MotionWriteAheadLog(SegmentedLog log)
    {
        _log = log;
        _commit = new BackgroundCommit(log, "store write-ahead fsync");
    }

    /// <summary>Bytes in the log's segments: what the next checkpoint lets go.</summary>
    public long Bytes => _log.Bytes;

    /// <summary>The segment numbers on disk, oldest first.</summary>
    public IReadOnlyList<long> Segments => _log.Segments;

    /// <summary>
    /// Opens (creating) the log in <paramref name="folder"/>, calling <paramref name="onRecord"/> with (device, motion
    /// record body) for each intact record, oldest first. The torn tail of the newest segment (a write that was never
    /// acknowledged) is cut; damage in an older one is reported and the records after it in that segment are skipped.
    /// </summary>
    public static MotionWriteAheadLog Open(string folder, ILogger logger, Action<string, byte[]> onRecord)
    {
        var (log, damage) = SegmentedLog.Open(folder, Naming, Limits, (_, _, body) =>
        {
            if (Decode(body) is not { } record)
            {
                return "the record does not start with a valid device id";
            }

            onRecord(record.DeviceId, record.Body);
            return null;
        });
        foreach (var found in damage)
        {
            logger.LogWarning("{Path}: {Bytes} bytes after offset {Offset} are not intact records ({Problem}); {Action}",
                Naming.PathOf(folder, found.Segment), found.Bytes, found.Offset, found.Problem,
                found.Cut ? "cut off as the torn tail of a write that was never acknowledged" : "skipped");
        }

        return new MotionWriteAheadLog(log);
    }

    /// <summary>
    /// Frames one record per batch (its device id, then its record body) in one pooled buffer, checking each first: a record
    /// the device log would refuse must never become durable here.
    /// </summary>
    public static MotionWriteBuffer Frame(IReadOnlyList<MotionBatch> batches)
    {
        var total = 0;
        foreach (var batch in batches)
        {
            var bodyLength = SeriesRecordCodec.MotionBodyLength(batch);
            if (bodyLength > AppendOnlyLog.MaxBodyBytes || !Identifiers.IsValid(batch.DeviceId))
            {
                throw new ArgumentException($"a write-ahead record needs a valid device id and a body of 1..{AppendOnlyLog.MaxBodyBytes} bytes; got \"{batch.DeviceId}\" and {bodyLength}", nameof(batches));
            }

            total += RecordFraming.HeaderSize + 1 + batch.DeviceId.Length + bodyLength;
        }

        // Pooled, and kept until the device logs are written from it: a write's records are a megabyte or more, and a
        // fresh array per write (and one per record body) kept the GC busy.
        var buffer = ArrayPool<byte>.Shared.Rent(total);
        var bodies = new (int Offset, int Length)[batches.Count];
        var position = 0;
        for (var i = 0; i < batches.Count; i++)
        {
            var batch = batches[i];
            var bodyLength = SeriesRecordCodec.MotionBodyLength(batch);
            var frame = buffer.AsSpan(position, RecordFraming.HeaderSize + 1 + batch.DeviceId.Length + bodyLength);
            var recordBody = frame[RecordFraming.HeaderSize..];
            recordBody[0] = (byte)batch.DeviceId.Length;
            Encoding.ASCII.GetBytes(batch.DeviceId, recordBody[1..]);
            SeriesRecordCodec.EncodeMotion(batch, recordBody[(1 + batch.DeviceId.Length)..]);
            RecordFraming.WriteHeader(frame);
            bodies[i] = (position + RecordFraming.HeaderSize + 1 + batch.DeviceId.Length, bodyLength);
            position += frame.Length;
        }

        return new MotionWriteBuffer(buffer, total, bodies);
    }

    /// <summary>
    /// Appends <paramref name="write"/>'s framed records without waiting for the disk; returns the segment they went to
    /// and a task that completes once one fsync made them all durable, or fails when that fsync failed (they are cut off then).
    /// </summary>
    public (long Segment, Task Durable) Append(MotionWriteBuffer write) => _commit.Append(write.Frames);

    /// <summary>Seals the active segment (fsyncing it): the next append starts a new one, and the sealed ones may be deleted.</summary>
    public void Seal() => _log.Seal();

    /// <summary>Deletes sealed segments. Only once the device logs hold, fsync'd, every record in them.</summary>
    public void Delete(IReadOnlyList<long> segments)
    {
        foreach (var segment in segments)
        {
            _log.Delete(segment);
        }
    }

    /// <summary>Waits for the appends made so far to be committed (or failed), then closes the files.</summary>
    public void Dispose()
    {
        _commit.Dispose();
        _log.Dispose();
    }

    private static (string DeviceId, byte[] Body)? Decode(byte[] record)
    {
        var length = record[0];
        if (record.Length < 2 + length)
        {
            return null;
        }

        var deviceId = Encoding.ASCII.GetString(record, 1, length);
        return Identifiers.IsValid(deviceId) ? (deviceId, record[(1 + length)..]) : null;
    }
}
