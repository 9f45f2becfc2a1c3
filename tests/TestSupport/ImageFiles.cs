using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Pipeline.Protocol;
using StbImageWriteSharp;

namespace Pipeline.TestSupport;

/// <summary>Image files written the way cameras and image tools write them, for tests of the readers.</summary>
public static class ImageFiles
{
    /// <summary>An 8-bit RGB PNG whose rows alternate the Sub and Up filters, so the decoder's unfiltering is exercised. (CRCs are left zero: the decoder does not check them.)</summary>
    public static byte[] RgbPng(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var stride = width * 3;
        var raw = new List<byte>();
        var previous = new byte[stride];
        for (var y = 0; y < height; y++)
        {
            var row = new byte[stride];
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                (row[3 * x], row[(3 * x) + 1], row[(3 * x) + 2]) = (r, g, b);
            }

            var filter = (byte)(y % 2 == 0 ? 1 : 2);
            raw.Add(filter);
            for (var i = 0; i < stride; i++)
            {
                var reference = filter == 1 ? (i >= 3 ? row[i - 3] : 0) : previous[i];
                raw.Add((byte)(row[i] - reference));
            }

            previous = row;
        }

        return Png(width, height, bitDepth: 8, colourType: 2, interlaced: false, raw);
    }

    /// <summary>
    /// A grayscale PNG at 8 or 16 bits per sample, optionally Adam7-interlaced (the seven passes, each row unfiltered), as
    /// image tools write progressive-display PNGs. 16-bit samples are <paramref name="pixel"/> × 257, so their high byte is it.
    /// </summary>
    public static byte[] GrayPng(int width, int height, Func<int, int, byte> pixel, bool sixteenBit, bool interlaced)
    {
        (int X, int Y, int Dx, int Dy)[] passes = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)];
        var raw = new List<byte>();
        foreach (var (x0, y0, dx, dy) in passes)
        {
            for (var y = y0; y < height; y += dy)
            {
                if (x0 >= width)
                {
                    break;
                }

                raw.Add(0);
                for (var x = x0; x < width; x += dx)
                {
                    raw.Add(pixel(x, y));
                    if (sixteenBit)
                    {
                        raw.Add(pixel(x, y));
                    }
                }
            }
        }

        return Png(width, height, bitDepth: (byte)(sixteenBit ? 16 : 8), colourType: 0, interlaced, raw);
    }

    // Signature, IHDR, one IDAT with the filtered rows deflated, IEND.
    private static byte[] Png(int width, int height, byte bitDepth, byte colourType, bool interlaced, List<byte> filteredRows)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write([.. filteredRows]);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9], header[12]) = (bitDepth, colourType, (byte)(interlaced ? 1 : 0));
        return [137, 80, 78, 71, 13, 10, 26, 10, .. Chunk("IHDR", header), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, byte[] body)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
        return [.. length, .. Encoding.ASCII.GetBytes(type), .. body, 0, 0, 0, 0];
    }

    /// <summary>A baseline JPEG of 8-bit gray or RGB <paramref name="pixels"/> at <paramref name="quality"/> (1..100), written by StbImageWriteSharp.</summary>
    public static byte[] Jpeg(int width, int height, PixelFormat format, byte[] pixels, int quality = 95)
    {
        using var output = new MemoryStream();
        new ImageWriter().WriteJpg(pixels, width, height, format == PixelFormat.Gray8 ? ColorComponents.Grey : ColorComponents.RedGreenBlue, output, quality);
        return output.ToArray();
    }
}
