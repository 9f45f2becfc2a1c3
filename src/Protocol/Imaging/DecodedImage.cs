namespace Pipeline.Protocol.Imaging;

/// <summary>An image decoded to 8-bit gray or RGB, rows top to bottom without padding.</summary>
public sealed record DecodedImage(int Width, int Height, PixelFormat Format, byte[] Pixels)
{
    /// <summary>Larger images are refused before their pixels are allocated: a hostile header must not exhaust memory.</summary>
    public const long MaxPixels = 64L * 1024 * 1024;
}
