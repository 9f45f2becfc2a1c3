using System.Buffers.Binary;
using System.IO.Hashing;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The outbox's read position: everything before (segment, offset) has been acknowledged by the broker.
/// Its file is 16 bytes (segment i64 LE, offset i64 LE) and their CRC-32 (u32 LE), replaced by rename.
/// It is not fsync'd: a cursor that is lost or stale only makes the agent publish acknowledged messages
/// again, which receivers de-duplicate by stream id and sequence number.
/// </summary>
public readonly record struct OutboxCursor(long Segment, long Offset)
{
    public const string FileName = "cursor";
    private const int Size = 20;

    /// <summary>The position before every record: nothing acknowledged.</summary>
    public static OutboxCursor Start => new(0, 0);

    public bool IsAcknowledged(long segment, long offset) => segment < Segment || (segment == Segment && offset < Offset);

    /// <summary>Reads the cursor; <see cref="Start"/> when the file is missing, and also when it is damaged (with the reason).</summary>
    public static (OutboxCursor Cursor, string? Problem) Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return (Start, null);
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != Size)
        {
            return (Start, $"cursor file is {bytes.Length} bytes, not {Size}");
        }

        if (Crc32.HashToUInt32(bytes.AsSpan(0, 16)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)))
        {
            return (Start, "cursor file fails its CRC-32");
        }

        return (new OutboxCursor(BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8))), null);
    }

    public void Write(string folder)
    {
        var bytes = new byte[Size];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, Segment);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), Crc32.HashToUInt32(bytes.AsSpan(0, 16)));
        var path = Path.Combine(folder, FileName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
