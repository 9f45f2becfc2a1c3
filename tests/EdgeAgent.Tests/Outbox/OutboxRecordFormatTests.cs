using System.Buffers.Binary;
using Pipeline.EdgeAgent.Outbox;

namespace Pipeline.EdgeAgent.Tests.Outbox;

public sealed class OutboxRecordFormatTests
{
    private static readonly StreamCheckpoint Checkpoint = new(0xdeadbeef, 42, 7, 1_700_000_000_000_000);

    [Fact]
    public void Encode_ThenDecode_GivesBackTheCheckpointTopicAndPayload()
    {
        var frame = OutboxRecordFormat.Encode(new OutboxRecord(Checkpoint, "pipeline/site/club-1/motion", new byte[] { 1, 2, 3, 255 }));

        var (record, error) = OutboxRecordFormat.Decode(frame);

        Assert.Null(error);
        Assert.Equal(Checkpoint, record!.Checkpoint);
        Assert.Equal("pipeline/site/club-1/motion", record.Topic);
        Assert.Equal(new byte[] { 1, 2, 3, 255 }, record.Payload.ToArray());
        Assert.Equal(frame.Length, OutboxRecordFormat.FramedLength(record));
    }

    [Fact]
    public void Encode_ThenDecode_CheckpointOnlyRecord_HasNoMessage()
    {
        var (record, error) = OutboxRecordFormat.Decode(OutboxRecordFormat.Encode(new OutboxRecord(Checkpoint, "", ReadOnlyMemory<byte>.Empty)));

        Assert.Null(error);
        Assert.False(record!.HasMessage);
        Assert.Equal(Checkpoint, record.Checkpoint);
    }

    [Fact]
    public void Decode_FlippedPayloadBit_FailsItsCrc()
    {
        var frame = OutboxRecordFormat.Encode(new OutboxRecord(Checkpoint, "t", new byte[] { 1, 2, 3 }));
        frame[^1] ^= 0x10;

        var (record, error) = OutboxRecordFormat.Decode(frame);

        Assert.Null(record);
        Assert.Contains("CRC-32", error);
    }

    [Fact]
    public void Decode_FrameCutShort_NamesTheMissingBytes()
    {
        var frame = OutboxRecordFormat.Encode(new OutboxRecord(Checkpoint, "t", new byte[] { 1, 2, 3 }));

        Assert.Contains("header says", OutboxRecordFormat.Decode(frame.AsMemory(0, frame.Length - 1)).Error);
        Assert.Contains("shorter than its 8-byte header", OutboxRecordFormat.Decode(frame.AsMemory(0, 5)).Error);
    }

    [Fact]
    public void Decode_ImpossibleLength_IsRefused()
    {
        var frame = OutboxRecordFormat.Encode(new OutboxRecord(Checkpoint, "t", new byte[] { 1 }));
        BinaryPrimitives.WriteUInt32LittleEndian(frame, uint.MaxValue);

        Assert.Null(OutboxRecordFormat.BodyLengthOf(frame));
        Assert.Contains("outside", OutboxRecordFormat.Decode(frame).Error);
    }

    [Fact]
    public void Decode_UnknownVersion_IsRefused()
    {
        var body = OutboxRecordFormat.Encode(new OutboxRecord(Checkpoint, "t", new byte[] { 1 }))[OutboxRecordFormat.FrameHeaderSize..];
        body[0] = 9;
        var frame = new byte[OutboxRecordFormat.FrameHeaderSize + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), System.IO.Hashing.Crc32.HashToUInt32(body));
        body.CopyTo(frame.AsSpan(OutboxRecordFormat.FrameHeaderSize));

        Assert.Contains("version 9", OutboxRecordFormat.Decode(frame).Error);
    }
}
