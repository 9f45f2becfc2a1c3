using System.Buffers.Binary;
using System.Text;
using Pipeline.Protocol;

namespace Pipeline.EndToEnd.Tests.ThirdTask;

/// <summary>
/// The level sensor's wire format: "LVL1", the device id (one length byte, ASCII), stream id (u32), sequence (u64),
/// timestamp in microseconds (i64) and 1 to 64 levels (one count byte, then float32 each), all little-endian.
/// </summary>
internal static class LevelCodec
{
    private static readonly byte[] Magic = "LVL1"u8.ToArray();

    public const int MaxLevels = 64;

    public static byte[] Encode(LevelReading reading)
    {
        var device = Encoding.ASCII.GetBytes(reading.DeviceId);
        var bytes = new byte[Magic.Length + 1 + device.Length + 4 + 8 + 8 + 1 + (4 * reading.Levels.Length)];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var offset = Magic.Length;
        span[offset++] = (byte)device.Length;
        device.CopyTo(span[offset..]);
        offset += device.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[offset..], reading.StreamId);
        BinaryPrimitives.WriteUInt64LittleEndian(span[(offset + 4)..], reading.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[(offset + 12)..], reading.TimestampMicros);
        offset += 20;
        span[offset++] = (byte)reading.Levels.Length;
        foreach (var level in reading.Levels)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[offset..], level);
            offset += 4;
        }

        return bytes;
    }

    public static DecodeResult<LevelReading> Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Magic.Length + 1 || !payload[..Magic.Length].SequenceEqual(Magic))
        {
            return DecodeResult<LevelReading>.Fail(DecodeErrorCode.BadMagic, "a level reading starts with \"LVL1\"");
        }

        var offset = Magic.Length;
        var deviceLength = payload[offset++];
        if (payload.Length < offset + deviceLength + 21)
        {
            return DecodeResult<LevelReading>.Fail(DecodeErrorCode.Truncated, $"{payload.Length} bytes end inside the header");
        }

        var device = Encoding.ASCII.GetString(payload.Slice(offset, deviceLength));
        if (!Identifiers.IsValid(device))
        {
            return DecodeResult<LevelReading>.Fail(DecodeErrorCode.InvalidValue, $"device id \"{device}\" is not a valid identifier");
        }

        offset += deviceLength;
        var stream = BinaryPrimitives.ReadUInt32LittleEndian(payload[offset..]);
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(payload[(offset + 4)..]);
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(payload[(offset + 12)..]);
        offset += 20;
        int count = payload[offset++];
        if (count is 0 or > MaxLevels || payload.Length != offset + (4 * count))
        {
            return DecodeResult<LevelReading>.Fail(DecodeErrorCode.BadLength, $"{count} levels do not fit 1..{MaxLevels} and the {payload.Length - offset} bytes left");
        }

        var levels = new float[count];
        for (var i = 0; i < count; i++)
        {
            levels[i] = BinaryPrimitives.ReadSingleLittleEndian(payload[(offset + (4 * i))..]);
            if (!float.IsFinite(levels[i]))
            {
                return DecodeResult<LevelReading>.Fail(DecodeErrorCode.NotFinite, $"level {i} is {levels[i]}");
            }
        }

        return DecodeResult<LevelReading>.Ok(new LevelReading(device, stream, sequence, timestamp, levels));
    }
}
