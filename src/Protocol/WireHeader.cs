using System.Buffers.Binary;

namespace Pipeline.Protocol;

/// <summary>
/// The 4-byte header of every binary message: magic "PL", the wire version, the message type.
/// A reader that sees a version it does not know refuses the message rather than guessing.
/// </summary>
internal static class WireHeader
{
    public const byte Magic0 = (byte)'P';
    public const byte Magic1 = (byte)'L';
    public const byte Version = 1;
    public const int Size = 4;

    public static void Write(Span<byte> destination, MessageType type)
    {
        destination[0] = Magic0;
        destination[1] = Magic1;
        destination[2] = Version;
        destination[3] = (byte)type;
    }

    public static DecodeError? Check(ReadOnlySpan<byte> source, MessageType expected)
    {
        if (source.Length < Size)
        {
            return new DecodeError(DecodeErrorCode.Truncated, $"payload is {source.Length} bytes, shorter than the {Size}-byte header");
        }

        if (source[0] != Magic0 || source[1] != Magic1)
        {
            return new DecodeError(DecodeErrorCode.BadMagic, $"payload does not start with \"PL\" (0x{source[0]:X2}{source[1]:X2})");
        }

        if (source[2] != Version)
        {
            return new DecodeError(DecodeErrorCode.UnsupportedVersion, $"wire version {source[2]} is not supported (this reader speaks {Version})");
        }

        if (source[3] != (byte)expected)
        {
            return new DecodeError(DecodeErrorCode.WrongMessageType, $"message type {source[3]} where {(byte)expected} ({expected}) was expected");
        }

        return null;
    }

    /// <summary>Reads a length-prefixed (u8) ASCII identifier such as a device id.</summary>
    internal static bool TryReadIdentifier(ref SpanReader reader, string field, out string value, out DecodeError? error)
    {
        value = "";
        if (!reader.TryReadByte(out var length))
        {
            error = reader.TruncatedAt(field);
            return false;
        }

        if (!reader.TryReadBytes(length, out var bytes))
        {
            error = reader.TruncatedAt(field);
            return false;
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes);
        if (!Identifiers.IsValid(text))
        {
            error = new DecodeError(DecodeErrorCode.InvalidValue, $"{field} \"{Identifiers.Printable(bytes)}\" is not a valid identifier ({Identifiers.Rule})");
            return false;
        }

        value = text;
        error = null;
        return true;
    }

    internal static void WriteIdentifier(Span<byte> destination, ref int offset, string value)
    {
        destination[offset++] = (byte)value.Length;
        offset += System.Text.Encoding.ASCII.GetBytes(value, destination[offset..]);
    }

    internal static void WriteU64(Span<byte> d, ref int o, ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(d[o..], v); o += 8; }
    internal static void WriteI64(Span<byte> d, ref int o, long v) { BinaryPrimitives.WriteInt64LittleEndian(d[o..], v); o += 8; }
    internal static void WriteU16(Span<byte> d, ref int o, ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(d[o..], v); o += 2; }
    internal static void WriteF32(Span<byte> d, ref int o, float v) { BinaryPrimitives.WriteSingleLittleEndian(d[o..], v); o += 4; }
}
