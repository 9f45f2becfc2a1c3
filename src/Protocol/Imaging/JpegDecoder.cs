using StbImageSharp;

namespace Pipeline.Protocol.Imaging;

/// <summary>
/// Baseline and progressive JPEG through StbImageSharp (a fully managed port of stb_image: no native library to
/// install on a device). The header is read first, so a file claiming a huge image is refused before any pixel is
/// allocated. Grayscale files decode to Gray8, everything else to Rgb24.
/// </summary>
public static class JpegDecoder
{
    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    /// <summary>Decodes <paramref name="data"/>; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static DecodedImage Decode(byte[] data, int maxSide = int.MaxValue)
    {
        if (!HasSignature(data))
        {
            throw new InvalidDataException("not a JPEG file (no start-of-image marker)");
        }

        ImageInfo? info;
        using (var header = new MemoryStream(data, writable: false))
        {
            info = ImageInfo.FromStream(header);
        }

        if (info is not { } found)
        {
            throw new InvalidDataException("the JPEG header cannot be read (truncated or not a JPEG the decoder supports)");
        }

        if (found.Width < 1 || found.Height < 1 || (long)found.Width * found.Height > DecodedImage.MaxPixels)
        {
            throw new InvalidDataException($"{found.Width}x{found.Height} pixels is empty or larger than {DecodedImage.MaxPixels} pixels");
        }

        // Checked on the declared size, before decoding: a tiny file can declare a huge image.
        if (found.Width > maxSide || found.Height > maxSide)
        {
            throw new InvalidDataException($"{found.Width}x{found.Height} pixels: a side is over the {maxSide}-pixel limit");
        }

        var gray = found.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha;
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(data, gray ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or IndexOutOfRangeException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"the JPEG data is corrupt: {e.Message}", e);
        }

        var format = gray ? PixelFormat.Gray8 : PixelFormat.Rgb24;
        if (image.Data is null || image.Data.Length != (long)image.Width * image.Height * format.BytesPerPixel())
        {
            throw new InvalidDataException("the JPEG decoded to fewer pixels than its header declares");
        }

        return new DecodedImage(image.Width, image.Height, format, image.Data);
    }
}
