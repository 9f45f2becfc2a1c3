using Pipeline.Protocol;
using StbImageSharp;

namespace Pipeline.Imaging;

/// <summary>
/// PNG (every bit depth and colour type, interlaced included; 16-bit samples keep their high byte, alpha is dropped) and
/// JPEG (baseline and progressive) through StbImageSharp, a fully managed port of stb_image. The header is read first,
/// so a file claiming a huge image is refused before any pixel is allocated. Gray files decode to Gray8, everything
/// else to Rgb24.
/// </summary>
internal static class StbImageDecoder
{
    /// <summary>Decodes <paramref name="data"/>, a file of <paramref name="format"/> ("PNG" or "JPEG", for messages); throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static DecodedImage Decode(byte[] data, int maxSide, string format)
    {
        ImageInfo? info;
        using (var header = new MemoryStream(data, writable: false))
        {
            info = ImageInfo.FromStream(header);
        }

        if (info is not { } found)
        {
            throw new InvalidDataException($"the {format} header cannot be read (truncated or not a {format} the decoder supports)");
        }

        // Checked on the declared size, before decoding: a tiny file can declare a huge image.
        DecodedImage.CheckDeclaredSize(found.Width, found.Height, maxSide);

        var gray = found.ColorComponents is ColorComponents.Grey or ColorComponents.GreyAlpha;
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(data, gray ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e) when (e is InvalidOperationException or IndexOutOfRangeException or ArgumentException or OverflowException or InvalidDataException)
        {
            throw new InvalidDataException($"the {format} data is corrupt or truncated: {e.Message}", e);
        }

        var pixelFormat = gray ? PixelFormat.Gray8 : PixelFormat.Rgb24;
        if (image?.Data is null || image.Data.Length != (long)image.Width * image.Height * pixelFormat.BytesPerPixel())
        {
            throw new InvalidDataException($"the {format} data decoded to fewer pixels than its header declares");
        }

        return new DecodedImage(image.Width, image.Height, pixelFormat, image.Data);
    }
}
