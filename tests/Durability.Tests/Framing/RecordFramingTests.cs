using System.Buffers.Binary;
using Pipeline.Durability.Framing;

namespace Pipeline.Durability.Tests.Framing;

public sealed class RecordFramingTests
{
    private static readonly FrameLimits Limits = new(0, 1024);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    public void Frame_ThenTryRead_RoundTripsTheBody(int length)
    {
        var body = Body(length);
        var frame = RecordFraming.Frame(body);

        Assert.Equal(RecordFraming.HeaderSize + length, frame.Length);
        Assert.Equal((uint)length, BinaryPrimitives.ReadUInt32LittleEndian(frame));
        Assert.Equal(length, RecordFraming.TryRead(frame, Limits, out var problem));
        Assert.Null(problem);
        Assert.Equal(body, frame[RecordFraming.HeaderSize..]);
    }

    [Fact]
    public void TryRead_OfAFrameCutAtEveryByteOffset_NamesTheProblem()
    {
        var frame = RecordFraming.Frame(Body(40));
        for (var cut = 0; cut < frame.Length; cut++)
        {
            Assert.Null(RecordFraming.TryRead(frame.AsSpan(0, cut), Limits, out var problem));
            Assert.False(string.IsNullOrEmpty(problem), $"no problem named for a frame cut at {cut}");
        }
    }

    [Fact]
    public void TryRead_WithAnyByteOfTheFrameFlipped_RefusesIt()
    {
        var intact = RecordFraming.Frame(Body(40));
        for (var at = 0; at < intact.Length; at++)
        {
            var frame = intact.ToArray();
            frame[at] ^= 0x41;
            Assert.Null(RecordFraming.TryRead(frame, Limits, out _));
        }
    }

    [Fact]
    public void TryRead_OfALengthOutsideTheLimits_RefusesItWithoutReadingFurther()
    {
        var frame = RecordFraming.Frame(Body(10));
        BinaryPrimitives.WriteUInt32LittleEndian(frame, uint.MaxValue);

        Assert.Null(RecordFraming.TryRead(frame, Limits, out var problem));
        Assert.Contains("outside 0..1024", problem);
    }

    [Fact]
    public void TryRead_LooksOnlyAtTheFirstRecord()
    {
        var two = RecordFraming.Frame(Body(5)).Concat(RecordFraming.Frame(Body(7))).ToArray();

        Assert.Equal(5, RecordFraming.TryRead(two, Limits, out _));
    }

    private static byte[] Body(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7))];
}
