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

    /// <summary>The body length a header announces (at least the first 4 bytes of it).</summary>
    public static uint AnnouncedBodyLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header);

    /// <summary>Whether the CRC-32 in the header of <paramref name="frame"/> (header and whole body) matches its body.</summary>
    public static bool ChecksumHolds(ReadOnlySpan<byte> frame) => ChecksumHolds(frame, frame[HeaderSize..]);

    /// <summary>Whether the CRC-32 in <paramref name="header"/> matches <paramref name="body"/>, read apart from it.</summary>
    public static bool ChecksumHolds(ReadOnlySpan<byte> header, ReadOnlySpan<byte> body) =>
        Crc32.HashToUInt32(body) == BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
}
