using System.Globalization;
using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// Reads multichannel windows from a CSV file (format in docs/TRAINING.md): a header <c>window,label,ch1,…,chC</c>,
/// then one row per sample; consecutive rows with the same window id form one window, all windows equally long.
/// Every problem is reported with the file and line.
/// </summary>
public static class LabelledWindowCsvReader
{
    /// <summary>Refuses files whose values would not fit comfortably in memory as floats (about 1 GB).</summary>
    public const long MaxValues = 256L * 1024 * 1024;

    /// <param name="minimumLabels">2 for training (a classifier needs two labels); 1 where the windows are only classified.</param>
    public static UserDataset Read(string path, int minimumLabels = 2)
    {
        using var reader = OpenText(path);
        var lineNumber = 0;
        string? header;
        do
        {
            header = reader.ReadLine();
            lineNumber++;
        }
        while (header is not null && string.IsNullOrWhiteSpace(header));

        if (header is null)
        {
            throw new UserDataFormatException(path, null, "the file is empty; expected a header \"window,label,<channel>,…\"");
        }

        var columns = SplitFields(path, lineNumber, header);
        if (columns.Length < 3 || !columns[0].Equals("window", StringComparison.OrdinalIgnoreCase) || !columns[1].Equals("label", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserDataFormatException(path, lineNumber, $"the header must be \"window,label,<channel>,…\" with at least one channel column; got \"{Shorten(header)}\"");
        }

        var channels = columns.Length - 2;
        var windows = new List<(string Id, string Label, List<float[]> Samples, int Line)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long values = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = SplitFields(path, lineNumber, line);
            if (fields.Length != columns.Length)
            {
                throw new UserDataFormatException(path, lineNumber, $"{fields.Length} fields; the header has {columns.Length} (window, label and {channels} channels)");
            }

            var (id, label) = (fields[0], fields[1]);
            if (id.Length == 0 || label.Length == 0)
            {
                throw new UserDataFormatException(path, lineNumber, id.Length == 0 ? "the window id is empty" : "the label is empty");
            }

            var sample = new float[channels];
            for (var c = 0; c < channels; c++)
            {
                if (!float.TryParse(fields[c + 2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
                {
                    throw new UserDataFormatException(path, lineNumber, $"column \"{columns[c + 2]}\" holds \"{Shorten(fields[c + 2])}\", not a finite number");
                }

                sample[c] = value;
            }

            values += channels;
            if (values > MaxValues)
            {
                throw new UserDataFormatException(path, lineNumber, $"more than {MaxValues} values; the reader keeps every window in memory");
            }

            if (windows.Count > 0 && windows[^1].Id == id)
            {
                if (windows[^1].Label != label)
                {
                    throw new UserDataFormatException(path, lineNumber, $"window \"{id}\" is labelled \"{windows[^1].Label}\" from line {windows[^1].Line}, here \"{label}\"; a window has one label");
                }

                windows[^1].Samples.Add(sample);
                continue;
            }

            if (!seen.Add(id))
            {
                throw new UserDataFormatException(path, lineNumber, $"window \"{id}\" appears again after other windows; a window's rows must be consecutive");
            }

            windows.Add((id, label, [sample], lineNumber));
        }

        if (windows.Count == 0)
        {
            throw new UserDataFormatException(path, null, "the header is followed by no rows");
        }

        var length = windows[0].Samples.Count;
        if (windows.FirstOrDefault(w => w.Samples.Count != length) is { Id: not null } uneven)
        {
            throw new UserDataFormatException(path, uneven.Line, $"window \"{uneven.Id}\" has {uneven.Samples.Count} samples, window \"{windows[0].Id}\" has {length}; every window must have the same length");
        }

        var classes = windows.Select(w => w.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length < minimumLabels)
        {
            throw new UserDataFormatException(path, null, $"every window is labelled \"{classes[0]}\"; a classifier needs at least two labels");
        }

        var examples = windows.Select(w => new Example(w.Id, ChannelMajor(w.Samples, channels), 0f, Array.IndexOf(classes, w.Label), 0f)).ToArray();
        return new UserDataset(path, UserDataKind.Windows, classes, examples, [channels, length]);
    }

    private static StreamReader OpenText(string path)
    {
        try
        {
            return new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserDataFormatException(path, "cannot be read", e);
        }
    }

    private static string[] SplitFields(string path, int lineNumber, string line)
    {
        if (line.Contains('"', StringComparison.Ordinal))
        {
            throw new UserDataFormatException(path, lineNumber, "quoted fields are not supported; labels and ids must not contain commas or quotes");
        }

        return [.. line.Split(',').Select(f => f.Trim())];
    }

    /// <summary>The model takes [channels × samples]; the file holds sample after sample.</summary>
    private static float[] ChannelMajor(List<float[]> samples, int channels)
    {
        var input = new float[channels * samples.Count];
        for (var i = 0; i < samples.Count; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                input[(c * samples.Count) + i] = samples[i][c];
            }
        }

        return input;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
}
