using System.Buffers.Binary;

namespace Pipeline.Protocol;

/// <summary>
/// Binary encoding of <see cref="MicroscopyFrame"/> (docs/PROTOCOL.md, "Microscopy frame"):
/// header, device id, stream id u32, sequence u64, timestamp i64 (µs), width u16, height u16,
/// pixel format u8, flags u8 (bit 0: label present, bit 1: degradation present), then the label
/// (u8 length + ASCII VOC name, f32 concentration) and the degradation level f32 when flagged, then the pixels.
/// </summary>
public static class MicroscopyFrameCodec
{
    public const int MaxSide = 1024;
    private const byte HasLabel = 1;
    private const byte HasDegradation = 2;

    public static byte[] Encode(MicroscopyFrame frame)
    {
        Validate(frame);
        var size = WireHeader.Size + 1 + frame.DeviceId.Length + 4 + 8 + 8 + 2 + 2 + 1 + 1
            + (frame.Label is null ? 0 : 1 + frame.Label.Voc.Length + 4)
            + (frame.DegradationLevel is null ? 0 : 4)
            + frame.Pixels.Length;
        var buffer = new byte[size];
        WireHeader.Write(buffer, MessageType.MicroscopyFrame);
        var offset = WireHeader.Size;
        WireHeader.WriteIdentifier(buffer, ref offset, frame.DeviceId);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(offset), frame.StreamId);
        offset += 4;
        WireHeader.WriteU64(buffer, ref offset, frame.Sequence);
        WireHeader.WriteI64(buffer, ref offset, frame.TimestampMicros);
        WireHeader.WriteU16(buffer, ref offset, (ushort)frame.Width);
        WireHeader.WriteU16(buffer, ref offset, (ushort)frame.Height);
        buffer[offset++] = (byte)frame.Format;
        buffer[offset++] = (byte)((frame.Label is null ? 0 : HasLabel) | (frame.DegradationLevel is null ? 0 : HasDegradation));
        if (frame.Label is { } label)
        {
            WireHeader.WriteIdentifier(buffer, ref offset, label.Voc);
            WireHeader.WriteF32(buffer, ref offset, label.ConcentrationPercent);
        }

        if (frame.DegradationLevel is { } level)
        {
            WireHeader.WriteF32(buffer, ref offset, level);
        }

        frame.Pixels.CopyTo(buffer, offset);
        return buffer;
    }

    public static DecodeResult<MicroscopyFrame> Decode(ReadOnlySpan<byte> payload)
    {
        if (WireHeader.Check(payload, MessageType.MicroscopyFrame) is { } headerError)
        {
            return headerError;
        }

        var reader = new SpanReader(payload, WireHeader.Size);
        if (!WireHeader.TryReadIdentifier(ref reader, "device_id", out var deviceId, out var idError))
        {
            return idError!;
        }

        if (!reader.TryReadBytes(4, out var streamBytes)) return reader.TruncatedAt("stream_id");
        var streamId = BinaryPrimitives.ReadUInt32LittleEndian(streamBytes);
        if (!reader.TryReadU64(out var sequence)) return reader.TruncatedAt("sequence");
        if (!reader.TryReadI64(out var timestamp)) return reader.TruncatedAt("timestamp_us");
        if (!reader.TryReadU16(out var width)) return reader.TruncatedAt("width");
        if (!reader.TryReadU16(out var height)) return reader.TruncatedAt("height");
        if (!reader.TryReadByte(out var format)) return reader.TruncatedAt("pixel_format");
        if (!reader.TryReadByte(out var flags)) return reader.TruncatedAt("flags");

        if (timestamp <= 0)
        {
            return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.InvalidValue, $"timestamp_us {timestamp} is not after the Unix epoch");
        }

        if (width == 0 || height == 0 || width > MaxSide || height > MaxSide)
        {
            return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.Oversize, $"frame is {width}x{height}; each side must be 1..{MaxSide}");
        }

        if (!PixelFormats.IsKnown(format))
        {
            return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.InvalidValue, $"pixel_format {format} is unknown (1 = Gray8, 2 = Rgb24)");
        }

        if ((flags & ~(HasLabel | HasDegradation)) != 0)
        {
            return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.InvalidValue, $"flags 0x{flags:X2} has unknown bits set");
        }

        FrameLabel? label = null;
        if ((flags & HasLabel) != 0)
        {
            if (!WireHeader.TryReadIdentifier(ref reader, "label_voc", out var voc, out var vocError)) return vocError!;
            if (!reader.TryReadF32(out var concentration)) return reader.TruncatedAt("label_concentration");
            if (!float.IsFinite(concentration) || concentration < 0 || concentration > 100)
            {
                return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.NotFinite, $"label concentration {concentration} is outside 0..100 % v/v");
            }

            label = new FrameLabel(voc, concentration);
        }

        float? degradation = null;
        if ((flags & HasDegradation) != 0)
        {
            if (!reader.TryReadF32(out var level)) return reader.TruncatedAt("degradation_level");
            if (!float.IsFinite(level) || level < 0 || level > 1)
            {
                return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.NotFinite, $"degradation_level {level} is outside 0..1");
            }

            degradation = level;
        }

        var expected = width * height * ((PixelFormat)format).BytesPerPixel();
        if (reader.Remaining != expected)
        {
            return DecodeResult<MicroscopyFrame>.Fail(DecodeErrorCode.BadLength, $"a {width}x{height} {(PixelFormat)format} frame needs {expected} pixel bytes but {reader.Remaining} follow");
        }

        reader.TryReadBytes(expected, out var pixels);
        return DecodeResult<MicroscopyFrame>.Ok(new MicroscopyFrame(deviceId, streamId, sequence, timestamp, width, height, (PixelFormat)format, label, degradation, pixels.ToArray()));
    }

    private static void Validate(MicroscopyFrame frame)
    {
        Identifiers.Require(frame.DeviceId, nameof(frame.DeviceId));
        if (frame.Width is < 1 or > MaxSide || frame.Height is < 1 or > MaxSide)
        {
            throw new ArgumentException($"frame sides must be 1..{MaxSide}; got {frame.Width}x{frame.Height}", nameof(frame));
        }

        if (frame.Pixels.Length != frame.Width * frame.Height * frame.Format.BytesPerPixel())
        {
            throw new ArgumentException($"a {frame.Width}x{frame.Height} {frame.Format} frame needs {frame.Width * frame.Height * frame.Format.BytesPerPixel()} bytes; got {frame.Pixels.Length}", nameof(frame));
        }

        if (frame.Label is { } label)
        {
            Identifiers.Require(label.Voc, "label VOC");
        }
    }
}
