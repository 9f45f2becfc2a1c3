using System.Buffers.Binary;

namespace Pipeline.Imaging;

/// <summary>
/// Reads an image file by its content, never its extension: PNG, JPEG, or binary PGM/PPM. Recordings replayed at
/// the edge and image folders given to <c>pipeline train</c> both come through here.
/// </summary>
public static class ImageFile
{
    public const string Formats = "PNG, JPEG, binary PGM (P5) or PPM (P6)";

    private static readonly byte[] PngSignature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>Decodes <paramref name="data"/> with each side at most <paramref name="maxSide"/>; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static DecodedImage Decode(byte[] data, int maxSide)
    {
        if (data.AsSpan().StartsWith(PngSignature))
        {
            // The size sits at a fixed place in the IHDR chunk, which must come first: it is checked even when the rest
            // of the file is missing, before anything is inflated.
            if (data.Length >= 24)
            {
                DecodedImage.CheckDeclaredSize(BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(16)), BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(20)), maxSide);
            }

            return StbImageDecoder.Decode(data, maxSide, "PNG");
        }

        if (data is [0xFF, 0xD8, 0xFF, ..])
        {
            return StbImageDecoder.Decode(data, maxSide, "JPEG");
        }

        if (PortableAnymap.HasSignature(data))
        {
            var decoded = PortableAnymap.Decode(data, maxSide, out var error) ?? throw new InvalidDataException(error);
            return new DecodedImage(decoded.Width, decoded.Height, decoded.Format, decoded.Pixels);
        }

        throw new InvalidDataException($"not an image this reads ({Formats}), whatever its extension");
    }
}
