using System.Buffers.Binary;
using System.Text;
using Pipeline.Durability.Framing;

namespace Pipeline.Ingest.Spilling;

/// <summary>
/// The one reader and writer of spill records. A record is framed by <see cref="RecordFraming"/> (body length u32 LE,
/// CRC-32 of the body u32 LE, body); the body is the topic length in bytes (u16, little-endian), the topic in UTF-8, the
/// payload. A crash can tear only the last record of a file; the length and CRC let the reader find where it starts.
/// </summary>
internal static class SpillRecordFormat
{
    private const int TopicLengthBytes = 2;

    /// <summary>The body lengths a spill record may have: a topic length at least; the payload is bounded only by the file.</summary>
    public static readonly FrameLimits Limits = new(TopicLengthBytes, Array.MaxLength - RecordFraming.HeaderSize);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Appends the record's frame to <paramref name="output"/>; a topic beyond 65535 UTF-8 bytes is refused.</summary>
    public static void Write(SpillRecord record, Stream output)
    {
        var topicLength = Encoding.UTF8.GetByteCount(record.Topic);
        if (topicLength > ushort.MaxValue)
        {
            throw new ArgumentException($"a spill record's topic is {topicLength} bytes; the most is {ushort.MaxValue}", nameof(record));
        }

        var frame = new byte[RecordFraming.HeaderSize + TopicLengthBytes + topicLength + record.Payload.Length];
        var body = frame.AsSpan(RecordFraming.HeaderSize);
        BinaryPrimitives.WriteUInt16LittleEndian(body, (ushort)topicLength);
        Encoding.UTF8.GetBytes(record.Topic, body[TopicLengthBytes..]);
        record.Payload.CopyTo(body[(TopicLengthBytes + topicLength)..]);
        RecordFraming.WriteHeader(frame);
        output.Write(frame);
    }

    /// <summary>Reads a record's body (its frame already checked); null, with the problem, when the body does not hold a record.</summary>
    public static SpillRecord? Decode(ReadOnlySpan<byte> body, out string? problem)
    {
        problem = null;
        if (body.Length < TopicLengthBytes)
        {
            problem = $"a record body of {body.Length} bytes has no topic length";
            return null;
        }

        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body);
        if (topicLength > body.Length - TopicLengthBytes)
        {
            problem = $"topic length {topicLength} runs past the record's {body.Length} bytes";
            return null;
        }

        try
        {
            var topic = StrictUtf8.GetString(body.Slice(TopicLengthBytes, topicLength));
            return new SpillRecord(topic, body[(TopicLengthBytes + topicLength)..].ToArray());
        }
        catch (DecoderFallbackException)
        {
            problem = "the record's topic is not valid UTF-8";
            return null;
        }
    }
}
