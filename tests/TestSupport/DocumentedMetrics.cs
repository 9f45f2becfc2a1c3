using System.Text.RegularExpressions;

namespace Pipeline.TestSupport;

/// <summary>
/// The metrics docs/OBSERVABILITY.md lists, read from its tables, so a test can check that a component exports every
/// metric its documentation promises (and a dashboard built from that file finds them).
/// </summary>
public static partial class DocumentedMetrics
{
    public const string File = "docs/OBSERVABILITY.md";

    /// <summary>
    /// The Prometheus names in the table under the heading that starts with <paramref name="heading"/> (e.g. "### Ingest"),
    /// each with what must happen before it appears ("the first round"), or null when it is there from the start.
    /// </summary>
    public static IReadOnlyList<(string Name, string? AppearsAfter)> Under(string heading)
    {
        var lines = System.IO.File.ReadAllLines(RepositoryFiles.Find(File));
        var start = Array.FindIndex(lines, l => l.StartsWith(heading, StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException($"{File} has no heading '{heading}'");
        }

        var rows = new List<(string, string?)>();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith('#')))
        {
            var row = Row().Match(line);
            if (row.Success)
            {
                var after = AppearsAfter().Match(line);
                rows.Add((row.Groups[1].Value, after.Success ? after.Groups[1].Value : null));
            }
        }

        return rows.Count > 0 ? rows : throw new InvalidOperationException($"{File} lists no metric under '{heading}'");
    }

    /// <summary>Whether the Prometheus text exposition <paramref name="scrape"/> has a sample of <paramref name="name"/> (a histogram's buckets count).</summary>
    public static bool IsIn(string scrape, string name) =>
        Regex.IsMatch(scrape, $"^{Regex.Escape(name)}(_bucket|_sum|_count)?[{{ ]", RegexOptions.Multiline);

    [GeneratedRegex(@"^\| `(pipeline_[a-z_]+)` \|")]
    private static partial Regex Row();

    [GeneratedRegex(@"appears after (the first [a-z ]+)")]
    private static partial Regex AppearsAfter();
}
