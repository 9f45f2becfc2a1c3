using System.IO.Compression;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// One IDX file (the format of MNIST and fashion-mnist): two zero bytes, a type byte (0x08, unsigned bytes, the only
/// type image and label sets use), the number of dimensions, each dimension as a big-endian 32-bit count, then the
/// values in row-major order. A gzip-compressed file (as the sets are distributed) is recognised by its content and
/// read through gzip. Every refusal names the file and what is wrong.
/// </summary>
internal sealed record IdxFile(string Path, IReadOnlyList<int> Dimensions, byte[] Values)
{
    /// <summary>The largest data part read (1 GiB): far above any image set of this kind, and a bound on what a hostile header can make us allocate.</summary>
    public const long MaxValues = 1L << 30;

    private const byte UnsignedByte = 0x08;

    public static IdxFile Read(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            using var content = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return Read(path, content);
        }
        catch (InvalidDataException e)
        {
            throw new UserDataFormatException(path, null, $"not a readable gzip stream ({e.Message})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserDataFormatException(path, "cannot be read", e);
        }
    }

    private static IdxFile Read(string path, Stream content)
    {
        var magic = new byte[4];
        if (ReadFully(content, magic) < magic.Length)
        {
            throw new UserDataFormatException(path, null, "shorter than an IDX header (4 bytes): truncated or empty");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new UserDataFormatException(path, null, $"does not start with an IDX magic number (00 00 type dims; it starts {Convert.ToHexString(magic)})");
        }

        if (magic[2] != UnsignedByte)
        {
            throw new UserDataFormatException(path, null, $"holds IDX values of type 0x{magic[2]:x2}; only unsigned bytes (0x08) are read");
        }

        if (magic[3] is < 1 or > 4)
        {
            throw new UserDataFormatException(path, null, $"declares {magic[3]} dimensions; expected 1 (labels) to 4");
        }

        var dimensions = new int[magic[3]];
        var count = new byte[4];
        var total = 1L;
        for (var d = 0; d < dimensions.Length; d++)
        {
            if (ReadFully(content, count) < count.Length)
            {
                throw new UserDataFormatException(path, null, $"ends inside its header (dimension {d + 1} of {dimensions.Length}): truncated");
            }

            var size = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(count);
            if (size < 1)
            {
                throw new UserDataFormatException(path, null, $"declares dimension {d + 1} as {size}; each must be at least 1");
            }

            dimensions[d] = size;
            total *= size;
            if (total > MaxValues)
            {
                throw new UserDataFormatException(path, null, $"declares more than {MaxValues} values ({string.Join(" × ", dimensions.Take(d + 1))}…), more than this reader accepts");
            }
        }

        var values = new byte[total];
        var read = ReadFully(content, values);
        if (read < values.Length)
        {
            throw new UserDataFormatException(path, null, $"holds {read} values, its header declares {values.Length} ({string.Join(" × ", dimensions)}): truncated");
        }

        if (content.ReadByte() >= 0)
        {
            throw new UserDataFormatException(path, null, $"has bytes after the {values.Length} values its header declares ({string.Join(" × ", dimensions)})");
        }

        return new IdxFile(path, dimensions, values);
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
