using System.Buffers.Binary;

namespace Pipeline.Protocol;

/// <summary>A bounds-checked little-endian reader: every read reports truncation instead of throwing.</summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _source;

    public SpanReader(ReadOnlySpan<byte> source, int offset)
    {
        _source = source;
        Offset = offset;
    }

    public int Offset { get; private set; }

    public readonly int Remaining => _source.Length - Offset;

    public bool TryReadByte(out byte value)
    {
        if (Remaining < 1) { value = 0; return false; }
        value = _source[Offset++];
        return true;
    }

    public bool TryReadU16(out ushort value)
    {
        if (Remaining < 2) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt16LittleEndian(_source[Offset..]);
        Offset += 2;
        return true;
    }

    public bool TryReadU64(out ulong value)
    {
        if (Remaining < 8) { value = 0; return false; }
        value = BinaryPrimitives.ReadUInt64LittleEndian(_source[Offset..]);
        Offset += 8;
        return true;
    }

    public bool TryReadI64(out long value)
    {
        if (Remaining < 8) { value = 0; return false; }
        value = BinaryPrimitives.ReadInt64LittleEndian(_source[Offset..]);
        Offset += 8;
        return true;
    }

    public bool TryReadF32(out float value)
    {
        if (Remaining < 4) { value = 0; return false; }
        value = BinaryPrimitives.ReadSingleLittleEndian(_source[Offset..]);
        Offset += 4;
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        if (count < 0 || Remaining < count) { value = default; return false; }
        value = _source.Slice(Offset, count);
        Offset += count;
        return true;
    }

    public readonly DecodeError TruncatedAt(string field) =>
        new(DecodeErrorCode.Truncated, $"payload ends inside field '{field}' at byte {Offset} of {_source.Length}");
}
