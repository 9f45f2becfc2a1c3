using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Protocol;
using Pipeline.Imaging;

namespace Pipeline.EdgeAgent.Replay;

/// <summary>
/// Reads a recorded microscope folder (docs/DEVICES.md, "Replay"): a label file listing frame files in order, each
/// with its session, VOC, concentration and optional degradation level; consecutive rows of one session form one
/// exposure. The folder is untrusted: a bad row or an unreadable or undecodable frame is skipped and counted with
/// its file and line (<see cref="Problems"/>); a missing or malformed label file ends the exposures with a
/// <see cref="ReplayFileException"/> naming it. Frame files must lie in the folder itself.
/// </summary>
internal sealed class FrameRecordingReader(string folder, ILogger logger)
{
    public const string LabelFileName = "labels.csv";

    /// <summary>A session with more frames is cut here, so memory stays bounded.</summary>
    public const int MaxFramesPerSession = 1000;

    /// <summary>Frame files larger than this are refused unread (a 1024x1024 RGB frame is 3 MiB).</summary>
    public const long MaxFrameFileBytes = 4L * 1024 * 1024;

    public static readonly IReadOnlyList<string> Columns = ["file", "session", "voc", "concentration_percent", "degradation"];

    public ReplayProblemLog Problems { get; } = new(logger);

    public static string Header => string.Join(',', Columns);

    /// <summary>The exposures in label-file order, read lazily (one session's frames in memory at a time).</summary>
    public IEnumerable<FrameExposure> ReadExposures()
    {
        var labelPath = Path.Combine(folder, LabelFileName);
        using var reader = Open(labelPath);
        var header = ReadLine(reader, 1) ?? throw new ReplayFileException($"{labelPath}:1: the file is empty; expected the header {Header}");
        if (!CsvLine.Split(header.TrimStart('\uFEFF')).SequenceEqual(Columns, StringComparer.OrdinalIgnoreCase))
        {
            throw new ReplayFileException($"{labelPath}:1: the header is \"{(header.Length > 80 ? header[..80] + "…" : header)}\"; expected {Header}");
        }

        long lineNumber = 1;
        string? session = null;
        VocLabel? label = null;
        float? degradation = null;
        var frames = new List<RecordedFrame>();
        while (ReadLine(reader, lineNumber + 1) is { } line)
        {
            lineNumber++;
            if (CsvLine.IsIgnorable(line))
            {
                continue;
            }

            if (ParseRow(line, out var row) is { } problem)
            {
                Problems.Skip(LabelFileName, lineNumber, problem);
                continue;
            }

            if (row.Session != session)
            {
                if (frames.Count > 0)
                {
                    yield return Exposure(label!, degradation, frames);
                }

                frames = [];
                session = row.Session;
                label = new VocLabel(row.Voc, row.Concentration);
                degradation = row.Degradation;
            }
            else if (row.Voc != label!.Name)
            {
                Problems.Skip(LabelFileName, lineNumber, $"session {row.Session} was exposed to {label.Name} on its first row but {row.Voc} here");
                continue;
            }

            if (frames.Count >= MaxFramesPerSession)
            {
                Problems.Skip(LabelFileName, lineNumber, $"session {row.Session} has more than {MaxFramesPerSession} frames");
                continue;
            }

            if (LoadFrame(row, out var loadProblem) is { } frame)
            {
                frames.Add(frame);
            }
            else
            {
                Problems.Skip(LabelFileName, lineNumber, $"frame {row.File}: {loadProblem}");
            }
        }

        if (frames.Count > 0)
        {
            yield return Exposure(label!, degradation, frames);
        }
    }

    private static FrameExposure Exposure(VocLabel label, float? degradation, List<RecordedFrame> frames) =>
        new(label, degradation, frames.Count, k => frames[k]);

    private RecordedFrame? LoadFrame(Row row, out string? problem)
    {
        byte[] bytes;
        try
        {
            var path = Path.Combine(folder, row.File);
            var length = new FileInfo(path).Length;
            if (length > MaxFrameFileBytes)
            {
                problem = $"the file is {length} bytes, over the {MaxFrameFileBytes}-byte limit";
                return null;
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return null;
        }

        DecodedImage image;
        try
        {
            image = ImageFile.Decode(bytes, MicroscopyFrameCodec.MaxSide);
        }
        catch (InvalidDataException e)
        {
            problem = e.Message;
            return null;
        }

        problem = null;
        return new RecordedFrame(image.Width, image.Height, image.Format, image.Pixels, new FrameLabel(row.Voc, row.Concentration));
    }

    private static string? ParseRow(string line, out Row row)
    {
        row = default;
        if (line.Length > CsvLine.MaxLength)
        {
            return $"the line is longer than {CsvLine.MaxLength} characters";
        }

        var fields = CsvLine.Split(line);
        if (fields.Length is not (4 or 5))
        {
            return $"{fields.Length} fields where 4 or 5 ({Header}, the last may be left out) were expected";
        }

        // The name must be a plain file name in the folder: nothing in the label file may reach outside it.
        if (fields[0].Length == 0 || fields[0] != Path.GetFileName(fields[0]) || fields[0] is "." or ".." || fields[0].Contains('\\'))
        {
            return $"file \"{fields[0]}\" is not a plain file name in the recording folder";
        }

        for (var i = 1; i <= 2; i++)
        {
            if (!Identifiers.IsValid(fields[i]))
            {
                return $"{Columns[i]} \"{fields[i]}\" is not a valid identifier ({Identifiers.Rule})";
            }
        }

        if (!float.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var concentration) || !float.IsFinite(concentration) || concentration is < 0 or > 100)
        {
            return $"concentration_percent \"{fields[3]}\" is not a number in 0..100";
        }

        float? degradation = null;
        if (fields.Length == 5 && fields[4].Length > 0)
        {
            if (!float.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var level) || !float.IsFinite(level) || level is < 0 or > 1)
            {
                return $"degradation \"{fields[4]}\" is not a number in 0..1";
            }

            degradation = level;
        }

        row = new Row(fields[0], fields[1], fields[2], concentration, degradation);
        return null;
    }

    private static StreamReader Open(string path)
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ReplayFileException($"microscope recording label file {path} cannot be opened: {e.Message}", e);
        }
    }

    private string? ReadLine(StreamReader reader, long lineNumber)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (IOException e)
        {
            throw new ReplayFileException($"{Path.Combine(folder, LabelFileName)}:{lineNumber}: cannot be read: {e.Message}", e);
        }
    }

    private readonly record struct Row(string File, string Session, string Voc, float Concentration, float? Degradation);
}
