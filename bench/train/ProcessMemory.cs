namespace Pipeline.Bench.Train;

/// <summary>
/// Resident set size from /proc/self/status. The peak (VmHWM) is reset just before training by writing 5 to
/// /proc/self/clear_refs, so the peak afterwards is training's own, not start-up's or data generation's.
/// </summary>
internal static class ProcessMemory
{
    public static bool TryResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static double ResidentMegabytes() => Read("VmRSS:");

    public static double PeakMegabytes() => Read("VmHWM:");

    private static double Read(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return double.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }
}
