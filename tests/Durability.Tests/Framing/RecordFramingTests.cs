using System.Buffers.Binary;
using System.IO.Hashing;
using Pipeline.Durability.Framing;

namespace Pipeline.Durability.Tests.Framing;

public sealed class RecordFramingTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    public void WriteHeader_PutsTheBodyLengthAndItsCrc32BeforeTheBody_LittleEndian(int length)
    {
        var body = Body(length);
        var frame = Frames.Of(body);

        Assert.Equal(RecordFraming.HeaderSize + length, frame.Length);
        Assert.Equal((uint)length, BinaryPrimitives.ReadUInt32LittleEndian(frame));
        Assert.Equal((uint)length, RecordFraming.AnnouncedBodyLength(frame));
        Assert.Equal(Crc32.HashToUInt32(body), BinaryPrimitives.ReadUInt32LittleEndian(frame.AsSpan(4)));
        Assert.True(RecordFraming.ChecksumHolds(frame));
        Assert.True(RecordFraming.ChecksumHolds(frame.AsSpan(0, RecordFraming.HeaderSize), body));
    }

    [Fact]
    public void ChecksumHolds_IsFalse_WithAnyByteOfTheBodyOrChecksumFlipped()
    {
        var intact = Frames.Of(Body(40));
        for (var at = 4; at < intact.Length; at++)
        {
            var frame = intact.ToArray();
            frame[at] ^= 0x41;
            Assert.False(RecordFraming.ChecksumHolds(frame), $"a flipped byte at {at} went unnoticed");
        }
    }

    [Theory]
    [InlineData(0L, false)]
    [InlineData(1L, true)]
    [InlineData(1024L, true)]
    [InlineData(1025L, false)]
    [InlineData(uint.MaxValue, false)]
    public void FrameLimits_AllowOnlyTheBodyLengthsBetweenThem(long length, bool allowed) =>
        Assert.Equal(allowed, new FrameLimits(1, 1024).Allows(length));

    private static byte[] Body(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7))];
}
