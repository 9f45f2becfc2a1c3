using System.Buffers.Binary;
using System.Text;
using Pipeline.Durability.Framing;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The one reader and writer of outbox records (spec: docs/DEVICES.md, "Outbox"). A record is framed by
/// <see cref="RecordFraming"/> (length u32 LE | CRC-32 of the body u32 LE | body), so a torn or corrupted record is
/// recognised and everything from it on is treated as absent.
/// </summary>
internal static class OutboxRecordFormat
{
    public const int FrameHeaderSize = RecordFraming.HeaderSize;
    public const byte Version = 1;

    /// <summary>Larger than any message an agent sends (a 1024x1024 RGB frame is 3 MiB); a longer length is corruption.</summary>
    public const int MaxBodyLength = 64 * 1024 * 1024;

    public const int MaxTopicLength = ushort.MaxValue;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // version | stream id | next sequence | next session | next timestamp | topic length
    private const int FixedBodySize = 1 + 4 + 8 + 8 + 8 + 2;

    /// <summary>The body lengths an outbox record may have.</summary>
    public static readonly FrameLimits Limits = new(FixedBodySize, MaxBodyLength);

    public static int FramedLength(OutboxRecord record) => FrameHeaderSize + FixedBodySize + Encoding.UTF8.GetByteCount(record.Topic) + record.Payload.Length;

    public static byte[] Encode(OutboxRecord record)
    {
        var topicLength = Encoding.UTF8.GetByteCount(record.Topic);
        if (topicLength > MaxTopicLength)
        {
            throw new ArgumentException($"topic is {topicLength} bytes long; an outbox record holds at most {MaxTopicLength}", nameof(record));
        }

        var bodyLength = FixedBodySize + topicLength + record.Payload.Length;
        if (bodyLength > MaxBodyLength)
        {
            throw new ArgumentException($"record body would be {bodyLength} bytes; an outbox record holds at most {MaxBodyLength}", nameof(record));
        }

        var buffer = new byte[FrameHeaderSize + bodyLength];
        var body = buffer.AsSpan(FrameHeaderSize);
        body[0] = Version;
        BinaryPrimitives.WriteUInt32LittleEndian(body[1..], record.Checkpoint.StreamId);
        BinaryPrimitives.WriteUInt64LittleEndian(body[5..], record.Checkpoint.NextSequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[13..], record.Checkpoint.NextSession);
        BinaryPrimitives.WriteInt64LittleEndian(body[21..], record.Checkpoint.NextTimestampMicros);
        BinaryPrimitives.WriteUInt16LittleEndian(body[29..], (ushort)topicLength);
        Encoding.UTF8.GetBytes(record.Topic, body[FixedBodySize..]);
        record.Payload.Span.CopyTo(body[(FixedBodySize + topicLength)..]);
        RecordFraming.WriteHeader(buffer);
        return buffer;
    }

    /// <summary>
    /// Reads the body length from a frame header; null when the header announces a length no valid record has.
    /// </summary>
    public static int? BodyLengthOf(ReadOnlySpan<byte> header)
    {
        var length = RecordFraming.AnnouncedBodyLength(header);
        return Limits.Allows(length) ? (int)length : null;
    }

    /// <summary>
    /// Decodes a whole frame (header and body); the error names what is wrong with it. The record's payload is a slice
    /// of <paramref name="frame"/>, not a copy.
    /// </summary>
    public static (OutboxRecord? Record, string? Error) Decode(ReadOnlyMemory<byte> frame)
    {
        var bytes = frame.Span;
        if (bytes.Length < FrameHeaderSize)
        {
            return (null, $"frame of {bytes.Length} bytes is shorter than its {FrameHeaderSize}-byte header");
        }

        if (BodyLengthOf(bytes) is not { } bodyLength)
        {
            return (null, $"body length {BinaryPrimitives.ReadUInt32LittleEndian(bytes)} is outside {FixedBodySize}..{MaxBodyLength}");
        }

        if (bytes.Length != FrameHeaderSize + bodyLength)
        {
            return (null, $"frame holds {bytes.Length - FrameHeaderSize} body bytes but its header says {bodyLength}");
        }

        if (!RecordFraming.ChecksumHolds(bytes))
        {
            return (null, "CRC-32 of the body does not match its header");
        }

        return DecodeBody(frame[FrameHeaderSize..]);
    }

    /// <summary>
    /// Decodes the body of a frame already checked (<see cref="RecordFraming"/>); the error names what is wrong with it.
    /// The record's payload is a slice of <paramref name="body"/>, not a copy.
    /// </summary>
    public static (OutboxRecord? Record, string? Error) DecodeBody(ReadOnlyMemory<byte> body)
    {
        var bytes = body.Span;
        if (bytes.Length < FixedBodySize)
        {
            return (null, $"body of {bytes.Length} bytes is shorter than the {FixedBodySize} fixed bytes of a record");
        }

        if (bytes[0] != Version)
        {
            return (null, $"record version {bytes[0]} is not {Version}");
        }

        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes[29..]);
        if (FixedBodySize + topicLength > bytes.Length)
        {
            return (null, $"topic length {topicLength} runs past the end of the body");
        }

        string topic;
        try
        {
            topic = StrictUtf8.GetString(bytes.Slice(FixedBodySize, topicLength));
        }
        catch (DecoderFallbackException)
        {
            return (null, "topic is not valid UTF-8");
        }

        var checkpoint = new StreamCheckpoint(
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[1..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[5..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[13..]),
            BinaryPrimitives.ReadInt64LittleEndian(bytes[21..]));
        return (new OutboxRecord(checkpoint, topic, body[(FixedBodySize + topicLength)..]), null);
    }
}
