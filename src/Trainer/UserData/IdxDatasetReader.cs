using System.Globalization;
using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// Reads an image set in IDX files (MNIST, fashion-mnist) from a folder: <c>train-images-idx3-ubyte</c> and
/// <c>train-labels-idx1-ubyte</c>, and the set's own test split when present (<c>t10k-…</c> or <c>test-…</c>), each
/// optionally gzip-compressed (<c>.gz</c>). Images become [1 × rows × cols] with values in [0, 1]; a label value
/// becomes a class named by its number, zero-padded so that ordinal order is numeric order.
/// </summary>
internal static class IdxDatasetReader
{
    /// <summary>Whether <paramref name="folder"/> holds an IDX training set (its images file), which decides the reader.</summary>
    public static bool Holds(string folder) => Find(folder, ["train"], "images", "idx3-ubyte") is not null;

    public static UserDataset Read(string folder)
    {
        var trainImages = Find(folder, ["train"], "images", "idx3-ubyte")
            ?? throw new UserDataFormatException(folder, null, "holds no train-images-idx3-ubyte[.gz] file");
        var trainLabels = Find(folder, ["train"], "labels", "idx1-ubyte")
            ?? throw new UserDataFormatException(folder, null, "holds train images but no train-labels-idx1-ubyte[.gz] file");
        var (testImages, testLabels) = (Find(folder, ["t10k", "test"], "images", "idx3-ubyte"), Find(folder, ["t10k", "test"], "labels", "idx1-ubyte"));
        if ((testImages is null) != (testLabels is null))
        {
            throw new UserDataFormatException(folder, null, $"holds test {(testImages is null ? "labels" : "images")} but no test {(testImages is null ? "images" : "labels")}: both or neither");
        }

        var (train, shape) = Pairs(trainImages, trainLabels);
        (IReadOnlyList<LabelledImage> Examples, int[] Shape)? test = testImages is null ? null : Pairs(testImages, testLabels!);
        if (test is { } t && !t.Shape.SequenceEqual(shape))
        {
            throw new UserDataFormatException(testImages!, null, $"holds images of {t.Shape[1]} × {t.Shape[2]}; the training images are {shape[1]} × {shape[2]}");
        }

        var labels = train.Select(p => p.Label).Distinct().Order().ToArray();
        if (labels.Length < 2)
        {
            throw new UserDataFormatException(trainLabels, null, $"holds {labels.Length} distinct label(s); a classifier needs at least two");
        }

        if (test?.Examples.FirstOrDefault(p => Array.BinarySearch(labels, p.Label) < 0) is { Images: not null } unseen)
        {
            throw new UserDataFormatException(testLabels!, null, $"holds label {unseen.Label}, which no training image has");
        }

        var width = labels[^1].ToString(CultureInfo.InvariantCulture).Length;
        var classes = labels.Select(l => l.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')).ToArray();
        List<Example> ToExamples(IReadOnlyList<LabelledImage> pairs, string side) =>
            [.. pairs.Select((p, i) => new Example($"{side}/{i}", p.Images, 0f, Array.BinarySearch(labels, p.Label), 0f))];
        return new UserDataset(folder, UserDataKind.Images, classes, ToExamples(train, "train"), shape)
        {
            Test = test is null ? null : ToExamples(test.Value.Examples, "test"),
        };
    }

    private sealed record LabelledImage(float[] Images, byte Label);

    private static (IReadOnlyList<LabelledImage> Examples, int[] Shape) Pairs(string imagesPath, string labelsPath)
    {
        var images = IdxFile.Read(imagesPath);
        var labels = IdxFile.Read(labelsPath);
        if (images.Dimensions.Count != 3)
        {
            throw new UserDataFormatException(imagesPath, null, $"holds {images.Dimensions.Count} dimensions; an images file has 3 (count × rows × columns)");
        }

        if (labels.Dimensions.Count != 1)
        {
            throw new UserDataFormatException(labelsPath, null, $"holds {labels.Dimensions.Count} dimensions; a labels file has 1 (count)");
        }

        if (images.Dimensions[0] != labels.Dimensions[0])
        {
            throw new UserDataFormatException(labelsPath, null, $"holds {labels.Dimensions[0]} labels for the {images.Dimensions[0]} images of {Path.GetFileName(imagesPath)}");
        }

        var (count, rows, columns) = (images.Dimensions[0], images.Dimensions[1], images.Dimensions[2]);
        var plane = rows * columns;
        var examples = new LabelledImage[count];
        for (var i = 0; i < count; i++)
        {
            var pixels = new float[plane];
            for (var p = 0; p < plane; p++)
            {
                pixels[p] = images.Values[(i * plane) + p] / 255f;
            }

            examples[i] = new LabelledImage(pixels, labels.Values[i]);
        }

        return (examples, [1, rows, columns]);
    }

    private static string? Find(string folder, string[] sides, string kind, string type) =>
        Directory.GetFiles(folder).Order(StringComparer.Ordinal).FirstOrDefault(file =>
        {
            var name = Path.GetFileName(file);
            return sides.Any(side => name.StartsWith($"{side}-{kind}", StringComparison.Ordinal))
                && (name.EndsWith(type, StringComparison.Ordinal) || name.EndsWith($"{type}.gz", StringComparison.Ordinal));
        });
}
