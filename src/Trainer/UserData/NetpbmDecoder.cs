using Pipeline.Protocol;

namespace Pipeline.Trainer.UserData;

/// <summary>Binary PGM (P5, gray) and PPM (P6, RGB) with a maximum value up to 65535 (16-bit samples keep their high byte, rescaled to 0..255).</summary>
public static class NetpbmDecoder
{
    public static bool HasSignature(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '6');

    public static DecodedImage Decode(byte[] data)
    {
        if (!HasSignature(data))
        {
            throw new InvalidDataException("not a binary PGM (P5) or PPM (P6) file");
        }

        var format = data[1] == '5' ? PixelFormat.Gray8 : PixelFormat.Rgb24;
        var position = 2;
        var width = ReadHeaderNumber(data, ref position, "width");
        var height = ReadHeaderNumber(data, ref position, "height");
        var maxValue = ReadHeaderNumber(data, ref position, "maximum value");
        if (width < 1 || height < 1 || (long)width * height > DecodedImage.MaxPixels)
        {
            throw new InvalidDataException($"{width}x{height} pixels is empty or larger than {DecodedImage.MaxPixels} pixels");
        }

        if (maxValue is < 1 or > 65535)
        {
            throw new InvalidDataException($"maximum value {maxValue} is outside 1..65535");
        }

        // Exactly one whitespace byte separates the header from the pixels.
        position++;
        var bytesPerSample = maxValue > 255 ? 2 : 1;
        var count = (long)width * height * format.BytesPerPixel();
        if (data.Length - position < count * bytesPerSample)
        {
            throw new InvalidDataException($"{width}x{height} pixels need {count * bytesPerSample} bytes; the file holds {Math.Max(0, data.Length - position)}");
        }

        var pixels = new byte[count];
        for (long i = 0; i < count; i++)
        {
            var value = bytesPerSample == 1 ? data[position + i] : (data[position + (2 * i)] << 8) | data[position + (2 * i) + 1];
            pixels[i] = (byte)Math.Min(255, value * 255 / maxValue);
        }

        return new DecodedImage(width, height, format, pixels);
    }

    private static int ReadHeaderNumber(byte[] data, ref int position, string what)
    {
        while (position < data.Length && (char.IsWhiteSpace((char)data[position]) || data[position] == '#'))
        {
            if (data[position] == '#')
            {
                while (position < data.Length && data[position] != '\n')
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
        while (position < data.Length && data[position] is >= (byte)'0' and <= (byte)'9' && value <= int.MaxValue)
        {
            value = (value * 10) + (data[position++] - '0');
        }

        if (position == start || value > int.MaxValue)
        {
            throw new InvalidDataException($"the header's {what} is missing or not a number");
        }

        return (int)value;
    }
}
