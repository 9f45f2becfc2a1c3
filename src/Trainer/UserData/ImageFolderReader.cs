using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Imaging;
using Pipeline.Trainer.Dataset;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// Reads a folder with one subfolder per class, each holding PNG, JPEG, PGM or PPM images (<see cref="ImageFile"/>,
/// the reader the edge's replay uses too), resampled to the [1 × 64 × 64] grayscale input
/// (<see cref="DropletImaging"/>'s area resampling). Files with other extensions are skipped and listed in <see cref="Skipped"/>.
/// </summary>
public sealed class ImageFolderReader
{
    private static readonly string[] Decodable = [".png", ".jpg", ".jpeg", ".pgm", ".ppm"];

    /// <summary>Whether <paramref name="file"/>'s extension is one this reader decodes.</summary>
    public static bool IsImageFile(string file) => Decodable.Contains(Path.GetExtension(file).ToLowerInvariant());
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

                if (!Decodable.Contains(extension))
                {
                    _skipped.Add($"{file}: not a .png, .jpg, .jpeg, .pgm or .ppm file");
                    continue;
                }

                var image = Decode(file);
                var frame = new MicroscopyFrame("user", 0, 0, 0, image.Width, image.Height, image.Format, null, null, image.Pixels);
                examples.Add(new Example($"{classes[c]}/{name}", DropletImaging.ToModelInput(frame), 0f, c, 0f));
            }

            if (examples.Count == before)
            {
                throw new UserDataFormatException(classFolders[c], null, $"class \"{classes[c]}\" holds no .png, .jpg, .jpeg, .pgm or .ppm image");
            }
        }

        return new UserDataset(folder, UserDataKind.Images, classes, examples, [1, DropletImaging.Side, DropletImaging.Side]);
    }

    /// <summary>8192² pixels stays within <see cref="DecodedImage.MaxPixels"/>, the same bound the image reader applies.</summary>
    private const int MaxImageSide = 8192;

    /// <summary>Decodes one image file; a file that is too large, unreadable or not an image is a <see cref="UserDataFormatException"/> naming it.</summary>
    public static DecodedImage Decode(string file)
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
            return ImageFile.Decode(data, MaxImageSide);
        }
        catch (InvalidDataException e)
        {
            throw new UserDataFormatException(file, e.Message, e);
        }
    }
}
