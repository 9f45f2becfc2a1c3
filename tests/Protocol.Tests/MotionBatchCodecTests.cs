using System.Buffers.Binary;
using Pipeline.Protocol;

namespace Pipeline.Protocol.Tests;

public class MotionBatchCodecTests
{
    private static MotionBatch Sample(int samples = 50)
    {
        var values = new float[samples * MotionChannels.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)Math.Sin(i * 0.1) * 100;
        }

        return new MotionBatch("club-1", 0xDEADBEEF, 42, 1_700_000_000_000_000, 500f, values);
    }

    [Fact]
    public void Encode_ThenDecode_ReturnsTheSameBatch()
    {
        var batch = Sample();
        var result = MotionBatchCodec.Decode(MotionBatchCodec.Encode(batch));

        Assert.True(result.IsSuccess, result.Error?.ToString());
        Assert.Equal(batch.DeviceId, result.Value.DeviceId);
        Assert.Equal(batch.StreamId, result.Value.StreamId);
        Assert.Equal(batch.Sequence, result.Value.Sequence);
        Assert.Equal(batch.FirstTimestampMicros, result.Value.FirstTimestampMicros);
        Assert.Equal(batch.SampleRateHz, result.Value.SampleRateHz);
        Assert.Equal(batch.Samples, result.Value.Samples);
    }

    [Fact]
    public void Encode_WritesTheDocumentedLayout()
    {
        var bytes = MotionBatchCodec.Encode(new MotionBatch("d", 7, 9, 1000, 250f, new float[8]));

        Assert.Equal("PL"u8.ToArray(), bytes[..2]);
        Assert.Equal(1, bytes[2]);
        Assert.Equal((byte)MessageType.MotionBatch, bytes[3]);
        Assert.Equal(1, bytes[4]);
        Assert.Equal((byte)'d', bytes[5]);
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(6)));
        Assert.Equal(9ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(10)));
        Assert.Equal(1000L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(18)));
        Assert.Equal(250f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(26)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(30)));
        Assert.Equal(8, bytes[32]);
        Assert.Equal(33 + 32, bytes.Length);
    }

    [Fact]
    public void TimestampOf_DerivesSampleTimesFromTheRate()
    {
        var batch = Sample();
        Assert.Equal(batch.FirstTimestampMicros + 2_000, batch.TimestampOf(1));
        Assert.Equal(batch.FirstTimestampMicros + 98_000, batch.TimestampOf(49));
    }

    [Fact]
    public void Decode_EveryTruncation_ReturnsAnErrorNeverThrows()
    {
        var bytes = MotionBatchCodec.Encode(Sample(3));
        for (var length = 0; length < bytes.Length; length++)
        {
            var result = MotionBatchCodec.Decode(bytes.AsSpan(0, length));
            Assert.False(result.IsSuccess, $"a payload cut to {length} bytes decoded");
            Assert.Contains(result.Error.Code, new[] { DecodeErrorCode.Truncated, DecodeErrorCode.BadLength });
        }
    }

    [Fact]
    public void Decode_WrongVersion_SaysWhichVersion()
    {
        var bytes = MotionBatchCodec.Encode(Sample());
        bytes[2] = 9;

        var result = MotionBatchCodec.Decode(bytes);

        Assert.Equal(DecodeErrorCode.UnsupportedVersion, result.Error!.Code);
        Assert.Contains("9", result.Error.Message);
    }

    [Fact]
    public void Decode_BadMagic_IsRefused()
    {
        var bytes = MotionBatchCodec.Encode(Sample());
        bytes[0] = (byte)'X';
        Assert.Equal(DecodeErrorCode.BadMagic, MotionBatchCodec.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_FrameBytes_IsAWrongMessageType()
    {
        var frame = MicroscopyFrameCodec.Encode(new MicroscopyFrame("cam", 1, 1, 1, 2, 2, PixelFormat.Gray8, null, null, new byte[4]));
        Assert.Equal(DecodeErrorCode.WrongMessageType, MotionBatchCodec.Decode(frame).Error!.Code);
    }

    [Fact]
    public void Decode_SampleCountDisagreeingWithLength_IsABadLength()
    {
        var bytes = MotionBatchCodec.Encode(Sample(4));
        var countOffset = WireHeader.Size + 1 + "club-1".Length + 4 + 8 + 8 + 4;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(countOffset), 5);

        var result = MotionBatchCodec.Decode(bytes);

        Assert.Equal(DecodeErrorCode.BadLength, result.Error!.Code);
        Assert.Contains("sample_count 5", result.Error.Message);
    }

    [Fact]
    public void Decode_TrailingGarbage_IsABadLength()
    {
        var bytes = MotionBatchCodec.Encode(Sample(2)).Concat(new byte[] { 1, 2, 3 }).ToArray();
        Assert.Equal(DecodeErrorCode.BadLength, MotionBatchCodec.Decode(bytes).Error!.Code);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Decode_NonFiniteSample_NamesTheSampleAndChannel(float bad)
    {
        var batch = Sample(3);
        batch.Samples[1 * 8 + MotionChannels.GyroY] = bad;
        var bytes = EncodeUnchecked(batch);

        var result = MotionBatchCodec.Decode(bytes);

        Assert.Equal(DecodeErrorCode.NotFinite, result.Error!.Code);
        Assert.Contains("sample 1 channel gyro_y", result.Error.Message);
    }

    [Fact]
    public void Decode_OversizeSampleCount_IsRefused()
    {
        var bytes = MotionBatchCodec.Encode(Sample(1));
        var countOffset = WireHeader.Size + 1 + "club-1".Length + 4 + 8 + 8 + 4;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(countOffset), MotionBatchCodec.MaxSamples + 1);
        Assert.Equal(DecodeErrorCode.Oversize, MotionBatchCodec.Decode(bytes).Error!.Code);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-5f)]
    [InlineData(float.NaN)]
    [InlineData(1e9f)]
    public void Decode_ImpossibleSampleRate_IsInvalid(float rate)
    {
        var bytes = MotionBatchCodec.Encode(Sample(1));
        var rateOffset = WireHeader.Size + 1 + "club-1".Length + 4 + 8 + 8;
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(rateOffset), rate);
        Assert.Equal(DecodeErrorCode.InvalidValue, MotionBatchCodec.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_DeviceIdWithTopicWildcard_IsInvalid()
    {
        var bytes = MotionBatchCodec.Encode(Sample(1));
        bytes[WireHeader.Size + 1] = (byte)'#';
        var result = MotionBatchCodec.Decode(bytes);
        Assert.Equal(DecodeErrorCode.InvalidValue, result.Error!.Code);
        Assert.Contains("device_id", result.Error.Message);
    }

    [Fact]
    public void Decode_RandomBytes_NeverThrows()
    {
        var random = new Random(1234);
        var valid = MotionBatchCodec.Encode(Sample(4));
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = (byte[])valid.Clone();
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var cut = bytes.AsSpan(0, random.Next(bytes.Length + 1));
            _ = MotionBatchCodec.Decode(cut);
        }
    }

    [Fact]
    public void Encode_EmptyOrRaggedSamples_Throws()
    {
        Assert.Throws<ArgumentException>(() => MotionBatchCodec.Encode(new MotionBatch("d", 0, 0, 1, 500, [])));
        Assert.Throws<ArgumentException>(() => MotionBatchCodec.Encode(new MotionBatch("d", 0, 0, 1, 500, new float[9])));
        Assert.Throws<ArgumentException>(() => MotionBatchCodec.Encode(new MotionBatch("a/b", 0, 0, 1, 500, new float[8])));
    }

    /// <summary>Encodes without the encoder's checks, as a faulty foreign publisher would.</summary>
    private static byte[] EncodeUnchecked(MotionBatch batch)
    {
        var good = batch with { Samples = new float[batch.Samples.Length] };
        var bytes = MotionBatchCodec.Encode(good);
        var samplesOffset = bytes.Length - batch.Samples.Length * 4;
        for (var i = 0; i < batch.Samples.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(samplesOffset + i * 4), batch.Samples[i]);
        }

        return bytes;
    }
}
