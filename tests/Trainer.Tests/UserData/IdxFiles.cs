using System.Buffers.Binary;
using System.IO.Compression;

namespace Pipeline.Trainer.Tests.UserData;

/// <summary>Writes IDX files (unsigned bytes) for the reader's tests, plain or gzip-compressed as the sets are distributed.</summary>
internal static class IdxFiles
{
    public static byte[] Encode(int[] dimensions, byte[] values)
    {
        var bytes = new List<byte> { 0, 0, 0x08, (byte)dimensions.Length };
        var count = new byte[4];
        foreach (var dimension in dimensions)
        {
            BinaryPrimitives.WriteInt32BigEndian(count, dimension);
            bytes.AddRange(count);
        }

        bytes.AddRange(values);
        return [.. bytes];
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary><paramref name="count"/> images of <paramref name="side"/> × <paramref name="side"/> whose pixels are their label × 20 + their index.</summary>
    public static (byte[] Images, byte[] Labels) Set(int count, int side, Func<int, byte> label)
    {
        var pixels = new byte[count * side * side];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = label(i);
            Array.Fill(pixels, (byte)((labels[i] * 20) + i), i * side * side, side * side);
        }

        return (Encode([count, side, side], pixels), Encode([count], labels));
    }
}
