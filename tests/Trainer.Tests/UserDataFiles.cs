using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Pipeline.Trainer.Tests;

/// <summary>Writes users' data files for the reader tests into a temporary folder it deletes.</summary>
internal sealed class UserDataFiles : IDisposable
{
    public UserDataFiles() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "userdata-" + Guid.NewGuid().ToString("N"));

    public string Write(string relativePath, string text) => Write(relativePath, Encoding.UTF8.GetBytes(text));

    public string Write(string relativePath, byte[] bytes)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A CSV of <paramref name="windows"/> windows, <paramref name="samples"/> long, whose class sets a channel's frequency.</summary>
    public static string WindowsCsv(int windows, int samples, int classes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("window,label,accel,gyro\n");
        for (var w = 0; w < windows; w++)
        {
            var c = w % classes;
            for (var i = 0; i < samples; i++)
            {
                var signal = Math.Sin(i * (c + 1) * 0.3) + ((random.NextDouble() - 0.5) * 0.2);
                text.Append(CultureInfo.InvariantCulture, $"w{w},class-{c},{signal:F4},{random.NextDouble() * 500:F2}\n");
            }
        }

        return text.ToString();
    }

    public static byte[] Pgm(int width, int height, Func<int, int, byte> pixel)
    {
        var header = Encoding.ASCII.GetBytes($"P5\n# a comment\n{width} {height}\n255\n");
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                pixels[(y * width) + x] = pixel(x, y);
            }
        }

        return [.. header, .. pixels];
    }

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

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write([.. raw]);
        }

        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        (header[8], header[9]) = (8, 2);
        return [137, 80, 78, 71, 13, 10, 26, 10, .. Chunk("IHDR", header), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, byte[] body)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, body.Length);
        return [.. length, .. Encoding.ASCII.GetBytes(type), .. body, 0, 0, 0, 0];
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
