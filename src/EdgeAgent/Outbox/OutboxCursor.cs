using System.Buffers.Binary;
using System.IO.Hashing;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The outbox's read position: everything before (segment, offset) has been acknowledged by the broker.
/// Stored as a 20-byte slot: segment (i64 LE), offset (i64 LE) and the CRC-32 of those 16 bytes (u32 LE);
/// <see cref="OutboxCursorFile"/> keeps two such slots.
/// </summary>
internal readonly record struct OutboxCursor(long Segment, long Offset)
{
    public const string FileName = "cursor";
    public const int SlotSize = 20;

    /// <summary>The position before every record: nothing acknowledged.</summary>
    public static OutboxCursor Start => new(0, 0);

    public bool IsAcknowledged(long segment, long offset) => segment < Segment || (segment == Segment && offset < Offset);

    /// <summary>Whether this position lies beyond <paramref name="other"/> (the cursor only ever moves forward).</summary>
    public bool IsAfter(OutboxCursor other) => Segment > other.Segment || (Segment == other.Segment && Offset > other.Offset);

    /// <summary>Reads one slot; null when its CRC-32 does not match (a torn or damaged write).</summary>
    public static OutboxCursor? Decode(ReadOnlySpan<byte> slot) =>
        slot.Length == SlotSize && Crc32.HashToUInt32(slot[..16]) == BinaryPrimitives.ReadUInt32LittleEndian(slot[16..])
            ? new OutboxCursor(BinaryPrimitives.ReadInt64LittleEndian(slot), BinaryPrimitives.ReadInt64LittleEndian(slot[8..]))
            : null;

    public void Encode(Span<byte> slot)
    {
        BinaryPrimitives.WriteInt64LittleEndian(slot, Segment);
        BinaryPrimitives.WriteInt64LittleEndian(slot[8..], Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], Crc32.HashToUInt32(slot[..16]));
    }
}
