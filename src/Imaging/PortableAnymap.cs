using Pipeline.Protocol;

namespace Pipeline.Imaging;

/// <summary>
/// Decodes binary PGM (P5, grayscale) and PPM (P6, RGB) images with 8-bit samples (maxval 1..255, scaled to 0..255).
/// The one reader and writer of this format in the project: the edge's replay device and `pipeline train` use it.
/// </summary>
internal static class PortableAnymap
{
    /// <summary>Whether <paramref name="bytes"/> start like a binary PGM or PPM file.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 'P' && bytes[1] is (byte)'5' or (byte)'6';

    /// <summary>Decodes <paramref name="bytes"/>; on failure returns null and the reason in <paramref name="error"/>.</summary>
    public static (int Width, int Height, PixelFormat Format, byte[] Pixels)? Decode(ReadOnlySpan<byte> bytes, int maxSide, out string? error)
    {
        error = null;
        if (bytes.Length < 2 || bytes[0] != 'P' || bytes[1] is not ((byte)'5' or (byte)'6'))
        {
            error = "not a binary PGM (P5) or PPM (P6) image";
            return null;
        }

        var format = bytes[1] == '5' ? PixelFormat.Gray8 : PixelFormat.Rgb24;
        var position = 2;
        var header = new int[3];
        for (var i = 0; i < header.Length; i++)
        {
            if (ReadNumber(bytes, ref position) is not { } value)
            {
                error = $"the header's {(i switch { 0 => "width", 1 => "height", _ => "maxval" })} is missing or not a number";
                return null;
            }

            header[i] = value;
        }

        var (width, height, maxValue) = (header[0], header[1], header[2]);
        if (width < 1 || height < 1 || width > maxSide || height > maxSide)
        {
            error = $"the image is {width}x{height}; each side must be 1..{maxSide}";
            return null;
        }

        if (maxValue is < 1 or > 255)
        {
            error = $"maxval {maxValue} is outside 1..255 (16-bit samples are not supported)";
            return null;
        }

        // Exactly one whitespace byte separates the header from the samples.
        if (position >= bytes.Length || !IsWhitespace(bytes[position]))
        {
            error = "the header does not end with a whitespace byte";
            return null;
        }

        position++;
        var length = width * height * format.BytesPerPixel();
        if (bytes.Length - position < length)
        {
            error = $"{bytes.Length - position} bytes of pixels where {length} were expected";
            return null;
        }

        var pixels = bytes.Slice(position, length).ToArray();
        if (maxValue != 255)
        {
            for (var i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (byte)Math.Min(255, (pixels[i] * 255 + maxValue / 2) / maxValue);
            }
        }

        return (width, height, format, pixels);
    }

    /// <summary>Encodes 8-bit pixels as P5 or P6; tests and tools use it to write recordings.</summary>
    public static byte[] Encode(int width, int height, PixelFormat format, ReadOnlySpan<byte> pixels)
    {
        var header = System.Text.Encoding.ASCII.GetBytes($"{(format == PixelFormat.Gray8 ? "P5" : "P6")}\n{width} {height}\n255\n");
        return [.. header, .. pixels];
    }

    private static int? ReadNumber(ReadOnlySpan<byte> bytes, ref int position)
    {
        while (position < bytes.Length && (IsWhitespace(bytes[position]) || bytes[position] == '#'))
        {
            if (bytes[position] == '#')
            {
                while (position < bytes.Length && bytes[position] != '\n')
                {
                    position++;
                }
            }
            else
            {
                position++;
            }
        }

        long value = 0;
        var start = position;
        while (position < bytes.Length && bytes[position] is >= (byte)'0' and <= (byte)'9' && position - start < 9)
        {
            value = value * 10 + (bytes[position] - '0');
            position++;
        }

        return position > start ? (int)value : null;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}
