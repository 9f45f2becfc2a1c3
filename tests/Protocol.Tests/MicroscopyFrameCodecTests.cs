using System.Buffers.Binary;
using Pipeline.Protocol;

namespace Pipeline.Protocol.Tests;

public class MicroscopyFrameCodecTests
{
    private static MicroscopyFrame Frame(FrameLabel? label = null, float? degradation = null, PixelFormat format = PixelFormat.Gray8)
    {
        var pixels = new byte[8 * 6 * format.BytesPerPixel()];
        new Random(3).NextBytes(pixels);
        return new MicroscopyFrame("scope-1", 5, 77, 1_700_000_000_000_000, 8, 6, format, label, degradation, pixels);
    }

    public static TheoryData<FrameLabel?, float?, PixelFormat> Variants => new()
    {
        { null, null, PixelFormat.Gray8 },
        { new FrameLabel("acetone", 2.5f), null, PixelFormat.Gray8 },
        { null, 0.3f, PixelFormat.Rgb24 },
        { new FrameLabel("ethyl-acetate", 0.9f), 1f, PixelFormat.Rgb24 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Encode_ThenDecode_ReturnsTheSameFrame(FrameLabel? label, float? degradation, PixelFormat format)
    {
        var frame = Frame(label, degradation, format);
        var result = MicroscopyFrameCodec.Decode(MicroscopyFrameCodec.Encode(frame));

        Assert.True(result.IsSuccess, result.Error?.ToString());
        var back = result.Value;
        Assert.Equal((frame.DeviceId, frame.StreamId, frame.Sequence, frame.TimestampMicros, frame.Width, frame.Height, frame.Format),
            (back.DeviceId, back.StreamId, back.Sequence, back.TimestampMicros, back.Width, back.Height, back.Format));
        Assert.Equal(frame.Label, back.Label);
        Assert.Equal(frame.DegradationLevel, back.DegradationLevel);
        Assert.Equal(frame.Pixels, back.Pixels);
    }

    [Fact]
    public void Decode_EveryTruncation_ReturnsAnError()
    {
        var bytes = MicroscopyFrameCodec.Encode(Frame(new FrameLabel("toluene", 1f), 0.5f));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(MicroscopyFrameCodec.Decode(bytes.AsSpan(0, length)).IsSuccess, $"cut to {length} bytes decoded");
        }
    }

    [Fact]
    public void Decode_PixelCountNotMatchingSize_SaysHowManyBytesWereExpected()
    {
        var bytes = MicroscopyFrameCodec.Encode(Frame());
        var result = MicroscopyFrameCodec.Decode(bytes.AsSpan(0, bytes.Length - 1));
        Assert.Equal(DecodeErrorCode.BadLength, result.Error!.Code);
        Assert.Contains("needs 48 pixel bytes but 47 follow", result.Error.Message);
    }

    [Fact]
    public void Decode_OversizeDimensions_IsRefused()
    {
        var bytes = MicroscopyFrameCodec.Encode(Frame());
        var widthOffset = WireHeader.Size + 1 + "scope-1".Length + 4 + 8 + 8;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(widthOffset), 4000);
        Assert.Equal(DecodeErrorCode.Oversize, MicroscopyFrameCodec.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_NaNDegradation_IsRefused()
    {
        var bytes = MicroscopyFrameCodec.Encode(Frame(null, 0.5f));
        var levelOffset = WireHeader.Size + 1 + "scope-1".Length + 4 + 8 + 8 + 2 + 2 + 1 + 1;
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(levelOffset), float.NaN);
        Assert.Equal(DecodeErrorCode.NotFinite, MicroscopyFrameCodec.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_UnknownPixelFormatOrFlags_IsInvalid()
    {
        var formatOffset = WireHeader.Size + 1 + "scope-1".Length + 4 + 8 + 8 + 2 + 2;
        var bytes = MicroscopyFrameCodec.Encode(Frame());
        bytes[formatOffset] = 7;
        Assert.Equal(DecodeErrorCode.InvalidValue, MicroscopyFrameCodec.Decode(bytes).Error!.Code);

        bytes = MicroscopyFrameCodec.Encode(Frame());
        bytes[formatOffset + 1] = 0x80;
        Assert.Equal(DecodeErrorCode.InvalidValue, MicroscopyFrameCodec.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_WrongVersion_IsRefused()
    {
        var bytes = MicroscopyFrameCodec.Encode(Frame());
        bytes[2] = 2;
        Assert.Equal(DecodeErrorCode.UnsupportedVersion, MicroscopyFrameCodec.Decode(bytes).Error!.Code);
    }

    [Fact]
    public void Decode_RandomCorruption_NeverThrows()
    {
        var random = new Random(99);
        var valid = MicroscopyFrameCodec.Encode(Frame(new FrameLabel("hexane", 3f), 0.2f));
        for (var i = 0; i < 5_000; i++)
        {
            var bytes = (byte[])valid.Clone();
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            _ = MicroscopyFrameCodec.Decode(bytes.AsSpan(0, random.Next(bytes.Length + 1)));
        }
    }

    [Fact]
    public void Encode_PixelsNotMatchingSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => MicroscopyFrameCodec.Encode(Frame() with { Pixels = new byte[3] }));
    }
}
