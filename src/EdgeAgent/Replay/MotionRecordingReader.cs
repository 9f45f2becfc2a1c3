using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Simulation.Golf;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Replay;

/// <summary>
/// Reads a recorded motion CSV (docs/DEVICES.md, "Replay") into swing sessions: consecutive rows with the same
/// session id form one session, labelled with its player and shape. The file is untrusted: a bad row is skipped
/// and counted with its file and line (<see cref="Problems"/>), and a file that cannot be read at all ends the
/// sessions with a <see cref="ReplayFileException"/> naming it.
/// </summary>
public sealed class MotionRecordingReader(string path, double sampleRateHz, ILogger logger)
{
    public const string TimestampColumn = "timestamp_us";
    public const string SampleColumn = "sample";

    /// <summary>A longer session is cut here and its other rows skipped, so memory stays bounded (about 32 MB).</summary>
    public const int MaxSessionSamples = 1_000_000;

    public static readonly IReadOnlyList<string> LabelColumns = ["session", "player", "shape"];

    private const int ColumnCount = 1 + MotionChannels.Count + 3;

    public ReplayProblemLog Problems { get; } = new(logger);

    /// <summary>The header a recording must start with, using <see cref="TimestampColumn"/> or <see cref="SampleColumn"/> first.</summary>
    public static string Header(string firstColumn = TimestampColumn) => string.Join(',', [firstColumn, .. MotionChannels.Names, .. LabelColumns]);

    /// <summary>The sessions in file order, read lazily.</summary>
    public IEnumerable<SwingSession> ReadSessions()
    {
        using var reader = Open();
        var name = Path.GetFileName(path);
        ReadHeader(reader, name);

        long lineNumber = 1;
        long? previousTime = null;
        string? session = null;
        SwingLabel? label = null;
        var samples = new List<float>();
        var row = new float[MotionChannels.Count];
        while (ReadLine(reader, name, lineNumber + 1) is { } line)
        {
            lineNumber++;
            if (CsvLine.IsIgnorable(line))
            {
                continue;
            }

            if (ParseRow(line, row, out var time, out var rowSession, out var rowLabel) is { } problem)
            {
                Problems.Skip(name, lineNumber, problem);
                continue;
            }

            if (previousTime is { } previous && time <= previous)
            {
                Problems.Skip(name, lineNumber, $"{TimestampColumn} or {SampleColumn} {time} does not come after the previous row's {previous}");
                continue;
            }

            previousTime = time;
            if (rowSession != session)
            {
                if (samples.Count > 0)
                {
                    yield return Session(label!, samples);
                }

                samples.Clear();
                session = rowSession;
                label = rowLabel;
            }
            else if (rowLabel != label)
            {
                Problems.Skip(name, lineNumber, $"session {rowSession} was labelled {label!.Player}/{label.Shape} on its first row but {rowLabel.Player}/{rowLabel.Shape} here");
                continue;
            }

            if (samples.Count >= MaxSessionSamples * MotionChannels.Count)
            {
                Problems.Skip(name, lineNumber, $"session {rowSession} is longer than {MaxSessionSamples} samples");
                continue;
            }

            samples.AddRange(row);
        }

        if (samples.Count > 0)
        {
            yield return Session(label!, samples);
        }
    }

    private SwingSession Session(SwingLabel label, List<float> samples) =>
        new(label.Player, label.Shape, sampleRateHz, [.. samples], ImpactIndex: -1);

    private StreamReader Open()
    {
        try
        {
            return new StreamReader(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ReplayFileException($"motion recording {path} cannot be opened: {e.Message}", e);
        }
    }

    private static string? ReadLine(StreamReader reader, string name, long lineNumber)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (IOException e)
        {
            throw new ReplayFileException($"{name}:{lineNumber}: cannot be read: {e.Message}", e);
        }
    }

    private static void ReadHeader(StreamReader reader, string name)
    {
        var header = ReadLine(reader, name, 1);
        if (header is null)
        {
            throw new ReplayFileException($"{name}:1: the file is empty; expected the header {Header()}");
        }

        var columns = CsvLine.Split(header.TrimStart('\uFEFF'));
        var expected = Header(columns[0].Equals(SampleColumn, StringComparison.OrdinalIgnoreCase) ? SampleColumn : TimestampColumn).Split(',');
        if (!columns.SequenceEqual(expected, StringComparer.OrdinalIgnoreCase))
        {
            throw new ReplayFileException($"{name}:1: the header is \"{Truncate(header)}\"; expected {string.Join(',', expected)}");
        }
    }

    private static string? ParseRow(string line, float[] row, out long time, out string session, out SwingLabel label)
    {
        time = 0;
        session = "";
        label = null!;
        if (line.Length > CsvLine.MaxLength)
        {
            return $"the line is longer than {CsvLine.MaxLength} characters";
        }

        var fields = CsvLine.Split(line);
        if (fields.Length != ColumnCount)
        {
            return $"{fields.Length} fields where {ColumnCount} were expected";
        }

        if (!long.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out time) || time < 0)
        {
            return $"\"{Truncate(fields[0])}\" is not a non-negative whole number ({TimestampColumn} or {SampleColumn})";
        }

        for (var channel = 0; channel < MotionChannels.Count; channel++)
        {
            var field = fields[1 + channel];
            if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
            {
                return $"{MotionChannels.Names[channel]} \"{Truncate(field)}\" is not a finite number";
            }

            if (Math.Abs(value) > MotionChannels.Limit(channel))
            {
                return $"{MotionChannels.Names[channel]} {value} is beyond ±{MotionChannels.Limit(channel)}, a broken sensor";
            }

            row[channel] = value;
        }

        for (var i = 0; i < LabelColumns.Count; i++)
        {
            if (!Identifiers.IsValid(fields[1 + MotionChannels.Count + i]))
            {
                return $"{LabelColumns[i]} \"{Truncate(fields[1 + MotionChannels.Count + i])}\" is not a valid identifier ({Identifiers.Rule})";
            }
        }

        session = fields[^3];
        label = new SwingLabel(fields[^2], fields[^1]);
        return null;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
