using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Pipeline.Ingest.Spilling;

/// <summary>
/// The one reader and writer of spill records. A record is: body length (u32, little-endian), CRC-32 of the body
/// (u32, little-endian), then the body: topic length in bytes (u16, little-endian), the topic in UTF-8, the payload.
/// A crash can tear only the last record of a file; the length and CRC let the reader find where it starts.
/// </summary>
public static class SpillRecordFormat
{
    public const int HeaderBytes = 8;
    private const int TopicLengthBytes = 2;

    /// <summary>The bytes <see cref="Write"/> produces for <paramref name="record"/>.</summary>
    public static int SizeOf(SpillRecord record) => HeaderBytes + TopicLengthBytes + Encoding.UTF8.GetByteCount(record.Topic) + record.Payload.Length;

    /// <summary>Appends the record's bytes to <paramref name="output"/>; a topic beyond 65535 UTF-8 bytes is refused.</summary>
    public static void Write(SpillRecord record, Stream output)
    {
        var topic = Encoding.UTF8.GetBytes(record.Topic);
        if (topic.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"a spill record's topic is {topic.Length} bytes; the most is {ushort.MaxValue}", nameof(record));
        }

        var body = new byte[TopicLengthBytes + topic.Length + record.Payload.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(body, (ushort)topic.Length);
        topic.CopyTo(body, TopicLengthBytes);
        record.Payload.CopyTo(body, TopicLengthBytes + topic.Length);
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Crc32.HashToUInt32(body));
        output.Write(header);
        output.Write(body);
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="data"/>. Returns false, with <paramref name="problem"/> saying
    /// why, when the bytes there are not a whole, intact record (a torn or corrupt tail); an empty span is not a problem.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> data, long maxBodyBytes, out SpillRecord? record, out int consumed, out string? problem)
    {
        record = null;
        consumed = 0;
        problem = null;
        if (data.IsEmpty)
        {
            return false;
        }

        if (data.Length < HeaderBytes)
        {
            problem = $"{data.Length} bytes remain, fewer than a record header";
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length < TopicLengthBytes || length > maxBodyBytes)
        {
            problem = $"record length {length} is outside {TopicLengthBytes}..{maxBodyBytes}";
            return false;
        }

        if (data.Length - HeaderBytes < length)
        {
            problem = $"the record says {length} bytes but only {data.Length - HeaderBytes} follow";
            return false;
        }

        var body = data.Slice(HeaderBytes, (int)length);
        if (Crc32.HashToUInt32(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            problem = "the record's CRC-32 does not match its bytes";
            return false;
        }

        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body);
        if (topicLength > body.Length - TopicLengthBytes)
        {
            problem = $"topic length {topicLength} runs past the record's {body.Length} bytes";
            return false;
        }

        string topic;
        try
        {
            topic = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Slice(TopicLengthBytes, topicLength));
        }
        catch (DecoderFallbackException)
        {
            problem = "the record's topic is not valid UTF-8";
            return false;
        }

        record = new SpillRecord(topic, body[(TopicLengthBytes + topicLength)..].ToArray());
        consumed = HeaderBytes + (int)length;
        return true;
    }
}
