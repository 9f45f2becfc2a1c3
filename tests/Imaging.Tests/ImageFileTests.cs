using Pipeline.Protocol;
using Pipeline.Imaging;
using Pipeline.TestSupport;

namespace Pipeline.Imaging.Tests;

public sealed class ImageFileTests
{
    private static byte[] Gradient(int width, int height, int channels) =>
        [.. Enumerable.Range(0, width * height * channels).Select(i => (byte)((i / channels % width * 255 / (width - 1) + (i % channels * 40)) % 256))];

    [Fact]
    public void Decode_JpegOfGrayContent_KeepsTheGreyLevelsInEveryChannel()
    {
        // The writer (like most cameras) stores YCbCr even for grey input, so the file decodes as colour.
        var pixels = Gradient(32, 24, 1);

        var image = ImageFile.Decode(ImageFiles.Jpeg(32, 24, PixelFormat.Gray8, pixels), maxSide: 1024);

        Assert.Equal((32, 24, PixelFormat.Rgb24), (image.Width, image.Height, image.Format));
        var worst = Enumerable.Range(0, pixels.Length).Max(i => Enumerable.Range(0, 3).Max(c => Math.Abs(pixels[i] - image.Pixels[(3 * i) + c])));
        Assert.True(worst <= 12, $"quality 95 keeps a smooth gradient within a few grey levels; worst was {worst}");
    }

    [Fact]
    public void Decode_ColourJpeg_GivesRgb24()
    {
        var pixels = Gradient(16, 16, 3);

        var image = ImageFile.Decode(ImageFiles.Jpeg(16, 16, PixelFormat.Rgb24, pixels), maxSide: 1024);

        Assert.Equal((16, 16, PixelFormat.Rgb24), (image.Width, image.Height, image.Format));
        Assert.Equal(16 * 16 * 3, image.Pixels.Length);
        Assert.True(pixels.Zip(image.Pixels).Average(p => Math.Abs(p.First - p.Second)) < 8);
    }

    [Fact]
    public void Decode_PngAndNetpbm_AreReadByContentWhateverTheExtension()
    {
        var png = ImageFile.Decode(ImageFiles.RgbPng(5, 4, (x, y) => ((byte)x, (byte)y, 7)), maxSide: 1024);
        var pgm = ImageFile.Decode(PortableAnymap.Encode(3, 2, PixelFormat.Gray8, [1, 2, 3, 4, 5, 6]), maxSide: 1024);

        Assert.Equal([4, 3, 7], png.Pixels[^3..]);
        Assert.Equal([1, 2, 3, 4, 5, 6], pgm.Pixels);
    }

    [Fact]
    public void Decode_RgbPngWithSubAndUpFilters_RecoversEveryPixel()
    {
        static (byte, byte, byte) Pixel(int x, int y) => ((byte)(x * 20), (byte)(y * 30), (byte)((x * y) + 7));

        var image = ImageFile.Decode(ImageFiles.RgbPng(5, 4, Pixel), maxSide: 1024);

        Assert.Equal((5, 4, PixelFormat.Rgb24), (image.Width, image.Height, image.Format));
        var expected = Enumerable.Range(0, 4).SelectMany(y => Enumerable.Range(0, 5).SelectMany(x => { var (r, g, b) = Pixel(x, y); return new[] { r, g, b }; }));
        Assert.Equal(expected, image.Pixels);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Decode_GrayPngAt8Or16BitsInterlacedOrNot_GivesTheSameGray8Pixels(bool sixteenBit, bool interlaced)
    {
        // 13 × 11 leaves partial blocks in every Adam7 pass.
        static byte Pixel(int x, int y) => (byte)((x * 19) + (y * 7));

        var image = ImageFile.Decode(ImageFiles.GrayPng(13, 11, Pixel, sixteenBit, interlaced), maxSide: 1024);

        Assert.Equal((13, 11, PixelFormat.Gray8), (image.Width, image.Height, image.Format));
        Assert.Equal(Enumerable.Range(0, 11).SelectMany(y => Enumerable.Range(0, 13).Select(x => Pixel(x, y))), image.Pixels);
    }

    [Fact]
    public void Decode_TruncatedPng_IsRefusedNamingPng()
    {
        var png = ImageFiles.RgbPng(5, 4, (x, y) => (1, 2, 3));

        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode(png[..45], maxSide: 1024));

        Assert.Contains("PNG", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_TruncatedJpeg_IsRefusedNamingJpeg()
    {
        var jpeg = ImageFiles.Jpeg(32, 32, PixelFormat.Gray8, Gradient(32, 32, 1));

        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode(jpeg[..20], maxSide: 1024));

        Assert.Contains("JPEG", error.Message);
    }

    [Fact]
    public void Decode_JpegHeaderClaimingAHugeImage_IsRefusedBeforeDecoding()
    {
        var jpeg = ImageFiles.Jpeg(8, 8, PixelFormat.Gray8, new byte[64]);
        var frame = IndexOfStartOfFrame(jpeg);
        (jpeg[frame + 5], jpeg[frame + 6], jpeg[frame + 7], jpeg[frame + 8]) = (0xFF, 0xFF, 0xFF, 0xFF);

        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode(jpeg, maxSide: 1024));

        Assert.Contains("65535x65535", error.Message);
    }

    [Fact]
    public void Decode_ImageWiderThanTheLimit_IsRefusedNamingTheLimit()
    {
        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode(ImageFiles.Jpeg(40, 8, PixelFormat.Gray8, new byte[320]), maxSide: 32));

        Assert.Contains("32-pixel limit", error.Message);
    }

    [Fact]
    public void Decode_PngDeclaringASideOverTheLimit_IsRefusedFromItsHeaderBeforeAnyPixelIsInflated()
    {
        // Signature (8) + IHDR chunk (25): the pixel data is cut off, so only the header could have been read.
        var headerOnly = ImageFiles.RgbPng(40, 8, (_, _) => (1, 2, 3))[..33];

        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode(headerOnly, maxSide: 32));

        Assert.Contains("32-pixel limit", error.Message);
    }

    [Fact]
    public void Decode_SomethingElse_IsRefusedListingTheFormatsRead()
    {
        var error = Assert.Throws<InvalidDataException>(() => ImageFile.Decode("GIF89a......"u8.ToArray(), maxSide: 1024));

        Assert.Contains(ImageFile.Formats, error.Message);
    }

    private static int IndexOfStartOfFrame(byte[] jpeg)
    {
        for (var i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] is 0xC0 or 0xC2)
            {
                return i;
            }
        }

        throw new InvalidDataException("the test JPEG has no start-of-frame marker");
    }
}
