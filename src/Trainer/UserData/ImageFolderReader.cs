using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Protocol.Imaging;
using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// Reads a folder with one subfolder per class, each holding PNG, PGM or PPM images, resampled to the
/// [1 × 64 × 64] grayscale input (<see cref="DropletImaging"/>'s area resampling). Files with other extensions are
/// skipped and listed in <see cref="Skipped"/>; JPEG is refused with advice, as no JPEG decoder ships with us.
/// </summary>
public sealed class ImageFolderReader
{
    private static readonly string[] Decodable = [".png", ".pgm", ".ppm"];
    private readonly List<string> _skipped = [];

    public IReadOnlyList<string> Skipped => _skipped;

    public UserDataset Read(string folder)
    {
        var classFolders = Directory.GetDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classFolders.Length < 2)
        {
            throw new UserDataFormatException(folder, null, $"{classFolders.Length} class subfolder(s); expected one subfolder per class, at least two");
        }

        var classes = classFolders.Select(Path.GetFileName).Select(n => n!).ToArray();
        var examples = new List<Example>();
        for (var c = 0; c < classFolders.Length; c++)
        {
            var before = examples.Count;
            foreach (var file in Directory.GetFiles(classFolders[c]).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                var extension = Path.GetExtension(file).ToLowerInvariant();
                if (name.StartsWith('.'))
                {
                    continue;
                }

                if (extension is ".jpg" or ".jpeg")
                {
                    throw new UserDataFormatException(file, null, "JPEG is not supported; convert the images to PNG (e.g. `mogrify -format png *.jpg`)");
                }

                if (!Decodable.Contains(extension))
                {
                    _skipped.Add($"{file}: not a .png, .pgm or .ppm file");
                    continue;
                }

                var image = Decode(file);
                var frame = new MicroscopyFrame("user", 0, 0, 0, image.Width, image.Height, image.Format, null, null, image.Pixels);
                examples.Add(new Example($"{classes[c]}/{name}", DropletImaging.ToModelInput(frame), 0f, c, 0f));
            }

            if (examples.Count == before)
            {
                throw new UserDataFormatException(classFolders[c], null, $"class \"{classes[c]}\" holds no .png, .pgm or .ppm image");
            }
        }

        return new UserDataset(folder, UserDataKind.Images, classes, examples, [1, DropletImaging.Side, DropletImaging.Side]);
    }

    /// <summary>8192² pixels stays within <see cref="DecodedImage.MaxPixels"/>, the same bound the PNG reader applies.</summary>
    private const int MaxImageSide = 8192;

    private static DecodedImage DecodeNetpbm(byte[] data) =>
        PortableAnymap.Decode(data, MaxImageSide, out var error) is { } image
            ? new DecodedImage(image.Width, image.Height, image.Format, image.Pixels)
            : throw new InvalidDataException(error);

    private static DecodedImage Decode(string file)
    {
        byte[] data;
        try
        {
            var length = new FileInfo(file).Length;
            if (length > DecodedImage.MaxPixels * 3)
            {
                throw new UserDataFormatException(file, null, $"{length} bytes is larger than any image this reader accepts");
            }

            data = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserDataFormatException(file, "cannot be read", e);
        }

        try
        {
            return PngDecoder.HasSignature(data) ? PngDecoder.Decode(data)
                : PortableAnymap.HasSignature(data) ? DecodeNetpbm(data)
                : throw new InvalidDataException("neither a PNG nor a binary PGM/PPM file, whatever its extension");
        }
        catch (InvalidDataException e)
        {
            throw new UserDataFormatException(file, e.Message, e);
        }
    }
}
