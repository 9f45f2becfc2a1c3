namespace Pipeline.Protocol.Imaging;

/// <summary>
/// Reads an image file by its content, never its extension: PNG, JPEG, or binary PGM/PPM. Recordings replayed at
/// the edge and image folders given to <c>pipeline train</c> both come through here.
/// </summary>
public static class ImageFile
{
    public const string Formats = "PNG, JPEG, binary PGM (P5) or PPM (P6)";

    /// <summary>Decodes <paramref name="data"/> with each side at most <paramref name="maxSide"/>; throws <see cref="InvalidDataException"/> naming the problem.</summary>
    public static DecodedImage Decode(byte[] data, int maxSide)
    {
        DecodedImage image;
        if (PngDecoder.HasSignature(data))
        {
            image = PngDecoder.Decode(data, maxSide);
        }
        else if (JpegDecoder.HasSignature(data))
        {
            image = JpegDecoder.Decode(data, maxSide);
        }
        else if (PortableAnymap.HasSignature(data))
        {
            var decoded = PortableAnymap.Decode(data, maxSide, out var error) ?? throw new InvalidDataException(error);
            image = new DecodedImage(decoded.Width, decoded.Height, decoded.Format, decoded.Pixels);
        }
        else
        {
            throw new InvalidDataException($"not an image this reads ({Formats}), whatever its extension");
        }

        return image;
    }
}
