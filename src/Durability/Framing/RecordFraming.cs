using System.Buffers.Binary;
using System.IO.Hashing;

namespace Pipeline.Durability.Framing;

/// <summary>
/// The one framing of every crash-safe record log here (outbox, spill, embedded store):
/// body length (u32 LE) | CRC-32 of the body (u32 LE) | body. A crash can tear only the last record of a file; the
/// length says where a record ends and the CRC-32 says whether all of it reached the disk, so a reader finds the end
/// of the intact records exactly.
/// </summary>
public static class RecordFraming
{
    public const int HeaderSize = 8;

    /// <summary>Fills the header of <paramref name="frame"/>, whose body already sits after the header's 8 bytes.</summary>
    public static void WriteHeader(Span<byte> frame)
    {
        var body = frame[HeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], Crc32.HashToUInt32(body));
    }

    /// <summary>A new frame holding <paramref name="body"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> body)
    {
        var frame = new byte[HeaderSize + body.Length];
        body.CopyTo(frame.AsSpan(HeaderSize));
        WriteHeader(frame);
        return frame;
    }

    /// <summary>The body length a header announces (at least the first 4 bytes of it).</summary>
    public static uint AnnouncedBodyLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header);

    /// <summary>Whether the CRC-32 in the header of <paramref name="frame"/> (header and whole body) matches its body.</summary>
    public static bool ChecksumHolds(ReadOnlySpan<byte> frame) => ChecksumHolds(frame, frame[HeaderSize..]);

    /// <summary>Whether the CRC-32 in <paramref name="header"/> matches <paramref name="body"/>, read apart from it.</summary>
    public static bool ChecksumHolds(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body) =>
        Crc32.HashToUInt32(body) == BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);

    /// <summary>
    /// Checks the record at the start of <paramref name="data"/>: its body length when it is whole and intact, else
    /// null with the problem (a torn or damaged record). Bytes after the record are not looked at.
    /// </summary>
    public static int? TryRead(ReadOnlySpan<byte> data, FrameLimits limits, out string? problem)
    {
        problem = null;
        if (data.Length < HeaderSize)
        {
            problem = $"{data.Length} bytes remain, fewer than the {HeaderSize}-byte record header";
            return null;
        }

        var length = AnnouncedBodyLength(data);
        if (!limits.Allows(length))
        {
            problem = $"record length {length} is outside {limits.MinBodyLength}..{limits.MaxBodyLength}";
            return null;
        }

        if (data.Length - HeaderSize < length)
        {
            problem = $"the record says {length} bytes but only {data.Length - HeaderSize} follow";
            return null;
        }

        if (!ChecksumHolds(data[..(HeaderSize + (int)length)]))
        {
            problem = "the record's CRC-32 does not match its body";
            return null;
        }

        return (int)length;
    }
}
