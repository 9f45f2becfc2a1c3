using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// influxd's raw rate: pre-built line-protocol files of 5000 points x 8 float fields (one point per motion sample,
/// microsecond precision) posted to /write by one curl process over one connection, one request per file.
/// </summary>
public static class RawInfluxWrite
{
    private const int PointsPerRequest = 5000;

    public static async Task<double> MeasureSamplesPerSecondAsync(Uri influx, string folder, string runTag, long points)
    {
        await ExternalCommand.RunAsync("curl", ["-sf", "-XPOST", new Uri(influx, "query?q=CREATE%20DATABASE%20raw").AbsoluteUri], TimeSpan.FromSeconds(30));
        var files = WriteFiles(folder, runTag, points);
        var write = new Uri(influx, "write?db=raw&precision=u").AbsoluteUri;
        var arguments = new List<string> { "-s" };
        for (var i = 0; i < files.Count; i++)
        {
            if (i > 0)
            {
                arguments.Add("--next");
            }

            arguments.AddRange(["-o", "/dev/null", "-w", "%{http_code}\n", "--data-binary", "@" + files[i], write]);
        }

        var started = Stopwatch.GetTimestamp();
        var codes = await ExternalCommand.RunAsync("curl", arguments, TimeSpan.FromMinutes(2));
        var elapsed = Stopwatch.GetElapsedTime(started);
        var refused = codes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(c => c != "204").ToList();
        if (refused.Count > 0)
        {
            throw new InvalidOperationException($"influxd refused {refused.Count} of {files.Count} writes (HTTP {string.Join(", ", refused.Distinct())})");
        }

        foreach (var file in files)
        {
            File.Delete(file);
        }

        return points / elapsed.TotalSeconds;
    }

    private static List<string> WriteFiles(string folder, string runTag, long points)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds() * 1000;
        var random = new Random(1);
        var files = new List<string>();
        var line = new StringBuilder();
        for (long first = 0; first < points; first += PointsPerRequest)
        {
            var path = Path.Combine(folder, $"{runTag}-{files.Count}.lp");
            using var writer = new StreamWriter(path);
            for (var p = first; p < Math.Min(points, first + PointsPerRequest); p++)
            {
                line.Clear().Append("motion,device=").Append(runTag).Append("-d").Append(p % 10).Append(' ');
                for (var f = 0; f < 8; f++)
                {
                    line.Append(f == 0 ? "" : ",").Append('c').Append(f).Append('=').Append((random.NextDouble() * 2 - 1).ToString("R", CultureInfo.InvariantCulture));
                }

                writer.Write(line.Append(' ').Append(start + p * 2000).Append('\n'));
            }

            files.Add(path);
        }

        return files;
    }
}
