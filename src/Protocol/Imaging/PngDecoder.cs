using System.Buffers.Binary;
using System.IO.Compression;
namespace Pipeline.Protocol.Imaging;

/// <summary>
/// A small PNG decoder (8- and 16-bit gray, gray+alpha, RGB, RGBA; 8-bit palette; not interlaced) built on the
/// runtime's zlib, so training on a folder of images needs no imaging package. Alpha is dropped and 16-bit samples
/// keep their high byte. Anything else is refused with a message saying what the file holds.
/// </summary>
public static class PngDecoder
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    public static bool HasSignature(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    /// <summary>Decodes <paramref name="data"/>; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static DecodedImage Decode(byte[] data, int maxSide = int.MaxValue)
    {
        if (!HasSignature(data))
        {
            throw new InvalidDataException("not a PNG file (no PNG signature)");
        }

        int width = 0, height = 0, bitDepth = 0, colorType = -1;
        byte[]? palette = null;
        using var compressed = new MemoryStream();
        var offset = Signature.Length;
        while (true)
        {
            if (offset + 8 > data.Length)
            {
                throw new InvalidDataException("the file ends before its IEND chunk");
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(data, offset + 4, 4);
            if (length > int.MaxValue || offset + 12 + (long)length > data.Length)
            {
                throw new InvalidDataException($"chunk {type} claims {length} bytes, past the end of the file");
            }

            var body = data.AsSpan(offset + 8, (int)length);
            offset += 12 + (int)length;
            switch (type)
            {
                case "IHDR":
                    if (body.Length != 13)
                    {
                        throw new InvalidDataException("the IHDR chunk is not 13 bytes");
                    }

                    width = BinaryPrimitives.ReadInt32BigEndian(body);
                    height = BinaryPrimitives.ReadInt32BigEndian(body[4..]);
                    (bitDepth, colorType) = (body[8], body[9]);
                    if (width < 1 || height < 1 || (long)width * height > DecodedImage.MaxPixels)
                    {
                        throw new InvalidDataException($"{width}x{height} pixels is empty or larger than {DecodedImage.MaxPixels} pixels");
                    }

                    // Checked on the declared size, before a byte is inflated: a tiny file can declare a huge image.
                    if (width > maxSide || height > maxSide)
                    {
                        throw new InvalidDataException($"{width}x{height} pixels: a side is over the {maxSide}-pixel limit");
                    }

                    if (body[12] != 0)
                    {
                        throw new InvalidDataException("interlaced PNG is not supported; save it without interlacing");
                    }

                    if (!(colorType is 0 or 2 or 4 or 6 && bitDepth is 8 or 16) && !(colorType == 3 && bitDepth == 8))
                    {
                        throw new InvalidDataException($"colour type {colorType} at {bitDepth} bits is not supported (8/16-bit gray, gray+alpha, RGB, RGBA, or 8-bit palette)");
                    }

                    break;
                case "PLTE":
                    palette = body.ToArray();
                    break;
                case "IDAT":
                    compressed.Write(body);
                    break;
                case "IEND":
                    if (colorType < 0)
                    {
                        throw new InvalidDataException("no IHDR chunk");
                    }

                    if (colorType == 3 && palette is null)
                    {
                        throw new InvalidDataException("a palette image without a PLTE chunk");
                    }

                    return Unfilter(compressed.ToArray(), width, height, bitDepth, colorType, palette);
                default:
                    break;
            }
        }
    }

    private static DecodedImage Unfilter(byte[] compressed, int width, int height, int bitDepth, int colorType, byte[]? palette)
    {
        var samplesPerPixel = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        var bytesPerPixel = samplesPerPixel * bitDepth / 8;
        var stride = width * bytesPerPixel;
        var raw = new byte[(long)(stride + 1) * height];
        try
        {
            using var inflater = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            inflater.ReadExactly(raw);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new InvalidDataException($"the image data is corrupt or shorter than {width}x{height} pixels ({e.Message})", e);
        }

        var previous = new byte[stride];
        var row = new byte[stride];
        var format = colorType is 0 or 4 ? PixelFormat.Gray8 : PixelFormat.Rgb24;
        var channels = format.BytesPerPixel();
        var pixels = new byte[(long)width * height * channels];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[(long)y * (stride + 1)];
            Array.Copy(raw, ((long)y * (stride + 1)) + 1, row, 0, stride);
            for (var i = 0; i < stride; i++)
            {
                int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0, up = previous[i], upLeft = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
                row[i] = (byte)(row[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"row {y} has unknown filter type {filter}"),
                });
            }

            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var source = x * bytesPerPixel;
                    pixels[(((long)y * width) + x) * channels + c] = colorType == 3
                        ? PaletteSample(palette!, row[source], c)
                        : row[source + (c * bitDepth / 8)];
                }
            }

            (previous, row) = (row, previous);
        }

        return new DecodedImage(width, height, format, pixels);
    }

    private static byte PaletteSample(byte[] palette, byte index, int channel) =>
        (index * 3) + 2 < palette.Length ? palette[(index * 3) + channel] : throw new InvalidDataException($"palette index {index} is past the palette's {palette.Length / 3} entries");

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
