namespace Pipeline.EdgeAgent.Replay;

/// <summary>
/// One line of a replay CSV file: plain comma-separated fields, no quoting (every field is a number or an
/// identifier, which cannot hold a comma), spaces around fields ignored. Blank lines and lines starting with '#' are skipped.
/// </summary>
internal static class CsvLine
{
    /// <summary>A longer line is not a row of ours; refusing it keeps a garbage file from being split into huge arrays.</summary>
    public const int MaxLength = 4096;

    public static bool IsIgnorable(string line) => line.AsSpan().Trim().IsEmpty || line.AsSpan().TrimStart().StartsWith("#");

    public static string[] Split(string line) => line.Split(',', StringSplitOptions.TrimEntries);
}
