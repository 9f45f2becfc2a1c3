using System.Buffers.Binary;
using System.Text;
using Pipeline.Protocol;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// The bodies of series records (docs/STORAGE.md): one reader and one writer. The device is the folder the
/// file lives in, so it is not repeated. Little-endian throughout; the first byte is the record kind.
/// Motion: kind 1, stream u32, sequence u64, first timestamp i64, rate f32, sample count u16, samples f32 × count × 8.
/// Frame: kind 2, stream u32, sequence u64, timestamp i64, width u16, height u16, format u8, flags u8
/// (bit 0 label, bit 1 degradation), [VOC length u8, VOC ASCII, concentration f32], [degradation f32], SHA-256 of the pixels (32 bytes).
/// Task-defined record: kind 128, stream u32, sequence u64, timestamp i64, SHA-256 of the payload (32 bytes); the record kind's
/// name is the file's ("records-KIND.log"), like the device is the folder's.
/// </summary>
internal static class SeriesRecordCodec
{
    private const byte HasLabel = 1;
    private const byte HasDegradation = 2;
    private const int HashBytes = 32;
    private const int MotionHeaderBytes = 1 + 4 + 8 + 8 + 4 + 2;
    private const int RecordBytes = 1 + 4 + 8 + 8 + HashBytes;

    /// <summary>Above the protocol's <see cref="MessageType"/> values, so a message type added later never means the same byte.</summary>
    public const byte TaskRecordKind = 128;

    /// <summary>The bytes of <paramref name="batch"/>'s record body.</summary>
    public static int MotionBodyLength(MotionBatch batch) => MotionHeaderBytes + batch.Samples.Length * 4;

    /// <summary>Encodes <paramref name="batch"/>'s record body into <paramref name="span"/>, which is <see cref="MotionBodyLength"/> bytes long.</summary>
    public static void EncodeMotion(MotionBatch batch, Span<byte> span)
    {
        span[0] = (byte)MessageType.MotionBatch;
        BinaryPrimitives.WriteUInt32LittleEndian(span[1..], batch.StreamId);
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], batch.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[13..], batch.FirstTimestampMicros);
        BinaryPrimitives.WriteSingleLittleEndian(span[21..], batch.SampleRateHz);
        BinaryPrimitives.WriteUInt16LittleEndian(span[25..], (ushort)batch.SampleCount);
        LittleEndianSamples.Write(span[MotionHeaderBytes..], batch.Samples);
    }

    public static MotionBatch DecodeMotion(string deviceId, ReadOnlySpan<byte> body)
    {
        if (body.Length < MotionHeaderBytes || body[0] != (byte)MessageType.MotionBatch)
        {
            throw new InvalidDataException($"not a motion record ({body.Length} bytes, kind {(body.Length > 0 ? body[0] : -1)})");
        }

        var count = BinaryPrimitives.ReadUInt16LittleEndian(body[25..]);
        var samples = new float[count * MotionChannels.Count];
        if (body.Length != MotionHeaderBytes + samples.Length * 4)
        {
            throw new InvalidDataException($"a motion record of {count} samples has {body.Length} bytes");
        }

        LittleEndianSamples.Read(body[MotionHeaderBytes..], samples);

        return new MotionBatch(
            deviceId,
            BinaryPrimitives.ReadUInt32LittleEndian(body[1..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[5..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[13..]),
            BinaryPrimitives.ReadSingleLittleEndian(body[21..]),
            samples);
    }

    public static byte[] EncodeFrame(MicroscopyFrame frame, string pixelHash)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.ASCII, leaveOpen: true))
        {
            writer.Write((byte)MessageType.MicroscopyFrame);
            writer.Write(frame.StreamId);
            writer.Write(frame.Sequence);
            writer.Write(frame.TimestampMicros);
            writer.Write((ushort)frame.Width);
            writer.Write((ushort)frame.Height);
            writer.Write((byte)frame.Format);
            writer.Write((byte)((frame.Label is null ? 0 : HasLabel) | (frame.DegradationLevel is null ? 0 : HasDegradation)));
            if (frame.Label is { } label)
            {
                writer.Write((byte)label.Voc.Length);
                writer.Write(Encoding.ASCII.GetBytes(label.Voc));
                writer.Write(label.ConcentrationPercent);
            }

            if (frame.DegradationLevel is { } level)
            {
                writer.Write(level);
            }

            writer.Write(Convert.FromHexString(pixelHash));
        }

        return stream.ToArray();
    }

    public static StoredFrame DecodeFrame(byte[] body)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(body), Encoding.ASCII);
            if (reader.ReadByte() != (byte)MessageType.MicroscopyFrame)
            {
                throw new InvalidDataException($"not a frame record (kind {body[0]})");
            }

            var streamId = reader.ReadUInt32();
            var sequence = reader.ReadUInt64();
            var timestamp = reader.ReadInt64();
            var width = reader.ReadUInt16();
            var height = reader.ReadUInt16();
            var format = reader.ReadByte();
            var flags = reader.ReadByte();
            if (!PixelFormats.IsKnown(format))
            {
                throw new InvalidDataException($"frame record has unknown pixel format {format}");
            }

            FrameLabel? label = null;
            if ((flags & HasLabel) != 0)
            {
                var voc = Encoding.ASCII.GetString(reader.ReadBytes(reader.ReadByte()));
                label = new FrameLabel(voc, reader.ReadSingle());
            }

            float? degradation = (flags & HasDegradation) != 0 ? reader.ReadSingle() : null;
            var hash = reader.ReadBytes(HashBytes);
            if (hash.Length != HashBytes || reader.BaseStream.Position != body.Length)
            {
                throw new InvalidDataException("frame record has the wrong length");
            }

            return new StoredFrame(streamId, sequence, timestamp, width, height, (PixelFormat)format, label, degradation, Convert.ToHexStringLower(hash));
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("frame record is truncated");
        }
    }

    public static byte[] EncodeRecord(TelemetryRecord record, string payloadHash)
    {
        var body = new byte[RecordBytes];
        var span = body.AsSpan();
        span[0] = TaskRecordKind;
        BinaryPrimitives.WriteUInt32LittleEndian(span[1..], record.StreamId);
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], record.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(span[13..], record.TimestampMicros);
        Convert.FromHexString(payloadHash).CopyTo(span[21..]);
        return body;
    }

    public static StoredRecord DecodeRecord(ReadOnlySpan<byte> body)
    {
        if (body.Length != RecordBytes || body[0] != TaskRecordKind)
        {
            throw new InvalidDataException($"not a task record ({body.Length} bytes, kind {(body.Length > 0 ? body[0] : -1)})");
        }

        return new StoredRecord(
            BinaryPrimitives.ReadUInt32LittleEndian(body[1..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[5..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[13..]),
            Convert.ToHexStringLower(body[21..]));
    }

    /// <summary>The identity of a record, read from its first bytes (the same layout for both kinds).</summary>
    public static (MessageType Kind, uint StreamId, ulong Sequence) ReadIdentity(ReadOnlySpan<byte> body)
    {
        if (body.Length < 13 || body[0] is not ((byte)MessageType.MotionBatch or (byte)MessageType.MicroscopyFrame))
        {
            throw new InvalidDataException($"record of {body.Length} bytes has no known kind");
        }

        return ((MessageType)body[0], BinaryPrimitives.ReadUInt32LittleEndian(body[1..]), BinaryPrimitives.ReadUInt64LittleEndian(body[5..]));
    }
}
