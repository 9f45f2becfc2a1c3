namespace Pipeline.Protocol;

/// <summary>Pixel layouts a microscopy frame may carry; rows are top to bottom, no padding.</summary>
public enum PixelFormat : byte
{
    Gray8 = 1,
    Rgb24 = 2,
}

public static class PixelFormats
{
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Gray8 => 1,
        PixelFormat.Rgb24 => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown pixel format"),
    };

    public static bool IsKnown(byte value) => value is (byte)PixelFormat.Gray8 or (byte)PixelFormat.Rgb24;
}
