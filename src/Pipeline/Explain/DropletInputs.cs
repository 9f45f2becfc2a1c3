using System.Globalization;
using Pipeline.Protocol;
using Pipeline.Tasks.Droplet;
using Pipeline.Trainer.UserData;

namespace Pipeline.Runner.Explain;

/// <summary>
/// Droplet crops to explain, from microscopy frames on disk: one image file (PNG, JPEG, PGM, PPM), or a folder of them,
/// with images in the folder itself (no label) and in its subfolders (labelled by the subfolder's name, as `pipeline
/// train` reads an image folder). Each frame is cut into droplets as the edge and the trainer cut it
/// (<see cref="DropletSegmenter"/>); a frame where none is found gives one crop of the whole frame. A recorded
/// microscope folder is such a folder: its labels.csv is not an image and is passed over.
/// </summary>
internal static class DropletInputs
{
    /// <summary>The crops, lazily, frame by frame in file-name order; files that are not images are reported to <paramref name="skip"/>.</summary>
    /// <exception cref="UserDataFormatException">The path does not exist, holds no image, or an image does not decode.</exception>
    public static IEnumerable<ExplainedInput> Read(string path, Action<string> skip)
    {
        var files = Frames(path, skip).ToList();
        if (files.Count == 0)
        {
            throw new UserDataFormatException(path, null, "holds no .png, .jpg, .jpeg, .pgm or .ppm image (droplet models explain microscopy frames)");
        }

        foreach (var (file, label) in files)
        {
            var image = ImageFolderReader.Decode(file);
            var frame = new MicroscopyFrame("explain", 0, 0, 0, image.Width, image.Height, image.Format, null, null, image.Pixels);
            var crops = DropletSegmenter.Crop(frame);
            var stem = label is null ? Path.GetFileNameWithoutExtension(file) : $"{label}-{Path.GetFileNameWithoutExtension(file)}";
            for (var k = 0; k < crops.Count; k++)
            {
                var droplet = crops[k].Droplet;
                var where = droplet.WholeFrame
                    ? "the whole frame (no droplet found)"
                    : string.Create(CultureInfo.InvariantCulture, $"droplet {k + 1} at ({droplet.CentreX:F0}, {droplet.CentreY:F0}), {droplet.Diameter:F0} px across");
                yield return new ExplainedInput(droplet.WholeFrame ? $"{stem}-frame" : $"{stem}-droplet{k + 1}", $"{file}: {where}", crops[k].Input, 0f, label);
            }
        }
    }

    private static List<(string File, string? Label)> Frames(string path, Action<string> skip)
    {
        if (File.Exists(path))
        {
            return ImageFolderReader.IsImageFile(path)
                ? [(path, null)]
                : throw new UserDataFormatException(path, null, "is not a .png, .jpg, .jpeg, .pgm or .ppm image (droplet models explain microscopy frames)");
        }

        if (!Directory.Exists(path))
        {
            throw new UserDataFormatException(path, null, "no such file or folder");
        }

        var frames = new List<(string File, string? Label)>();
        frames.AddRange(ImagesIn(path, skip).Select(f => (f, (string?)null)));
        foreach (var folder in Directory.GetDirectories(path).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            frames.AddRange(ImagesIn(folder, skip).Select(f => (f, (string?)Path.GetFileName(folder))));
        }

        return frames;
    }

    private static IEnumerable<string> ImagesIn(string folder, Action<string> skip)
    {
        foreach (var file in Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            if (ImageFolderReader.IsImageFile(file))
            {
                yield return file;
            }
            else
            {
                skip($"{file}: not a .png, .jpg, .jpeg, .pgm or .ppm image");
            }
        }
    }
}
