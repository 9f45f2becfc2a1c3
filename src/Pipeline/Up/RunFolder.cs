namespace Pipeline.Runner.Up;

/// <summary>
/// The data folder persists across runs (store, models, agents' last good models); each run of `pipeline up`
/// also gets its own folder under runs/ for its report.
/// </summary>
internal sealed class RunFolder
{
    private RunFolder(string dataFolder, string path)
    {
        DataFolder = dataFolder;
        Path = path;
    }

    public string DataFolder { get; }

    public string Path { get; }

    public string ReportPath => System.IO.Path.Combine(Path, "report.json");

    public static RunFolder Create(string dataFolder, DateTimeOffset startedAt)
    {
        var data = System.IO.Path.GetFullPath(dataFolder);
        var stamp = startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var path = System.IO.Path.Combine(data, "runs", stamp);
        for (var n = 2; Directory.Exists(path); n++)
        {
            path = System.IO.Path.Combine(data, "runs", $"{stamp}-{n}");
        }

        Directory.CreateDirectory(path);
        return new RunFolder(data, path);
    }
}
