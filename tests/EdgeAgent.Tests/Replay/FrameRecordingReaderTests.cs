using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Replay;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Imaging;

namespace Pipeline.EdgeAgent.Tests.Replay;

public sealed class FrameRecordingReaderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("frame-replay-test");

    public void Dispose() => _folder.Dispose();

    internal static void WriteGray(string path, int side, byte value) =>
        File.WriteAllBytes(path, PortableAnymap.Encode(side, side, PixelFormat.Gray8, Enumerable.Repeat(value, side * side).ToArray()));

    [Fact]
    public void ReadExposures_GroupsFramesBySession_DecodingPgmAndPpm()
    {
        WriteGray(_folder.Combine("a.pgm"), 32, 10);
        WriteGray(_folder.Combine("b.pgm"), 32, 20);
        File.WriteAllBytes(_folder.Combine("c.ppm"), PortableAnymap.Encode(16, 16, PixelFormat.Rgb24, new byte[16 * 16 * 3]));
        File.WriteAllLines(_folder.Combine(FrameRecordingReader.LabelFileName),
            [FrameRecordingReader.Header, "a.pgm,run1,acetone,2.5,0.1", "b.pgm,run1,acetone,2.5,0.1", "c.ppm,run2,toluene,1.0"]);
        var reader = new FrameRecordingReader(_folder.Path, NullLogger.Instance);

        var exposures = reader.ReadExposures().ToList();

        Assert.Equal(["acetone", "toluene"], exposures.Select(e => e.Label.Name));
        Assert.Equal([2, 1], exposures.Select(e => e.FrameCount));
        Assert.Equal(0.1f, exposures[0].DegradationLevel);
        Assert.Null(exposures[1].DegradationLevel);
        Assert.Equal(20, exposures[0].FrameAt(1).Pixels[5]);
        Assert.Equal(PixelFormat.Rgb24, exposures[1].FrameAt(0).Format);
        Assert.Equal(0, reader.Problems.Skipped);
    }

    [Fact]
    public void ReadExposures_DecodesPngAndJpegFrames_ByContent()
    {
        File.WriteAllBytes(_folder.Combine("a.png"), ImageFiles.RgbPng(24, 16, (x, y) => (200, 100, 50)));
        File.WriteAllBytes(_folder.Combine("b.jpg"), ImageFiles.Jpeg(24, 16, PixelFormat.Rgb24, [.. Enumerable.Repeat<byte>(120, 24 * 16 * 3)]));
        File.WriteAllLines(_folder.Combine(FrameRecordingReader.LabelFileName),
            [FrameRecordingReader.Header, "a.png,run1,acetone,2.5", "b.jpg,run1,acetone,2.5"]);
        var reader = new FrameRecordingReader(_folder.Path, NullLogger.Instance);

        var exposure = Assert.Single(reader.ReadExposures().ToList());

        Assert.Equal(2, exposure.FrameCount);
        Assert.Equal([200, 100, 50], exposure.FrameAt(0).Pixels[..3]);
        Assert.Equal((24, 16, PixelFormat.Rgb24), (exposure.FrameAt(1).Width, exposure.FrameAt(1).Height, exposure.FrameAt(1).Format));
        Assert.InRange(exposure.FrameAt(1).Pixels.Average(p => p), 115, 125);
        Assert.Equal(0, reader.Problems.Skipped);
    }

    [Fact]
    public void ReadExposures_SkipsAndCountsBadRowsAndFrames_NamingLabelFileLine()
    {
        WriteGray(_folder.Combine("good.pgm"), 32, 10);
        File.WriteAllBytes(_folder.Combine("torn.pgm"), PortableAnymap.Encode(32, 32, PixelFormat.Gray8, new byte[32 * 32])[..200]);
        File.WriteAllText(_folder.Combine("photo.png"), "\x89PNG not really");
        File.WriteAllLines(_folder.Combine(FrameRecordingReader.LabelFileName),
        [
            FrameRecordingReader.Header,
            "good.pgm,run1,acetone,2.5",        // line 2
            "missing.pgm,run1,acetone,2.5",     // line 3: no such file
            "../good.pgm,run1,acetone,2.5",     // line 4: outside the folder
            "torn.pgm,run1,acetone,2.5",        // line 5: cut short
            "photo.png,run1,acetone,2.5",       // line 6: no image inside
            "good.pgm,run1,acetone,250",        // line 7: concentration out of range
            "good.pgm,run1,ethanol,2.5",        // line 8: VOC changes inside a session
            "good.pgm,run1,acetone,2.5,2",      // line 9: degradation out of range
        ]);
        var reader = new FrameRecordingReader(_folder.Path, NullLogger.Instance);

        var exposure = Assert.Single(reader.ReadExposures().ToList());

        Assert.Equal(1, exposure.FrameCount);
        Assert.Equal(7, reader.Problems.Skipped);
        Assert.Equal(Enumerable.Range(3, 7).Select(line => $"labels.csv:{line}:"), reader.Problems.Kept.Select(p => p[..(p.IndexOf(':', 11) + 1)]));
        Assert.Contains("not a plain file name", reader.Problems.Kept[1]);
        Assert.Contains("bytes of pixels", reader.Problems.Kept[2]);
        Assert.Contains("not an image this reads", reader.Problems.Kept[3]);
    }

    [Fact]
    public void ReadExposures_MissingLabelFile_FailsNamingIt()
    {
        var error = Assert.Throws<ReplayFileException>(() => new FrameRecordingReader(_folder.Path, NullLogger.Instance).ReadExposures().ToList());
        Assert.Contains(FrameRecordingReader.LabelFileName, error.Message);
    }

    [Fact]
    public void Decode_ScalesSmallMaxvalTo255_AndRefusesOversizeImages()
    {
        var image = PortableAnymap.Decode("P5\n# comment\n2 1\n15\n\u0000\u000f"u8, 64, out var error);
        Assert.Null(error);
        Assert.Equal([0, 255], image!.Value.Pixels);

        Assert.Null(PortableAnymap.Decode("P5 5000 5000 255\n"u8, 1024, out error));
        Assert.Contains("5000x5000", error);
    }
}
