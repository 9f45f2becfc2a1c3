using Pipeline.Protocol;

namespace Pipeline.Imaging;

/// <summary>An image decoded to 8-bit gray or RGB, rows top to bottom without padding.</summary>
public sealed record DecodedImage(int Width, int Height, PixelFormat Format, byte[] Pixels)
{
    /// <summary>Larger images are refused before their pixels are allocated: a hostile header must not exhaust memory.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;

    /// <summary>Refuses a declared size that is empty, over <see cref="MaxPixels"/> or with a side over <paramref name="maxSide"/>, naming which.</summary>
    public static void CheckDeclaredSize(long width, long height, int maxSide)
    {
        if (width < 1 || height < 1 || width * height > MaxPixels)
        {
            throw new InvalidDataException($"{width}x{height} pixels is empty or larger than {MaxPixels} pixels");
        }

        if (width > maxSide || height > maxSide)
        {
            throw new InvalidDataException($"{width}x{height} pixels: a side is over the {maxSide}-pixel limit");
        }
    }
}
