using System.CommandLine;
using Pipeline.Protocol;

namespace Pipeline.Runner.Simulate;

/// <summary>
/// `pipeline simulate swings --out FILE`: simulated golf swings as a CSV of labelled windows for `pipeline train`,
/// optionally with only some sensors: the sensor-subset ablation of the swing research, with nothing else running.
/// </summary>
internal static class SimulateCommand
{
    public const int ExitOk = 0;
    public const int ExitBadArguments = 2;
    public const int MaxSessions = 100_000;

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "The CSV file to write (docs/TRAINING.md, \"CSV of windows\").", Required = true };
        var sessions = new Option<int>("--sessions") { Description = $"Swing sessions to simulate (1..{MaxSessions}); each gives one window around its impact.", DefaultValueFactory = _ => 1000 };
        var channels = new Option<string>("--channels") { Description = $"Comma-separated sensors to keep, of {string.Join(", ", MotionChannels.Names)}; default all.", DefaultValueFactory = _ => string.Join(',', MotionChannels.Names) };
        var seed = new Option<int>("--seed") { Description = "The simulator's seed: the same seed gives the same swings, whatever the channels.", DefaultValueFactory = _ => 1 };
        var swings = new Command("swings", "Simulated golf swings (9 classes: 3 players x 3 swing shapes) as windows for pipeline train.") { output, sessions, channels, seed };
        swings.SetAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(sessions);
            if (count is < 1 or > MaxSessions)
            {
                await Console.Error.WriteLineAsync($"pipeline simulate swings: --sessions {count} is outside 1..{MaxSessions}");
                return ExitBadArguments;
            }

            if (ParseChannels(parse.GetValue(channels)!) is not { } chosen)
            {
                await Console.Error.WriteLineAsync($"pipeline simulate swings: --channels \"{parse.GetValue(channels)}\" must name distinct sensors of {string.Join(", ", MotionChannels.Names)}");
                return ExitBadArguments;
            }

            var path = parse.GetValue(output)!;
            int written;
            try
            {
                await using var writer = new StreamWriter(path);
                written = SwingWindowCsv.Write(writer, count, parse.GetValue(seed), chosen);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                await Console.Error.WriteLineAsync($"pipeline simulate swings: cannot write {path}: {e.Message}");
                return ExitBadArguments;
            }

            Console.WriteLine($"{path}: {written} swing windows of {chosen.Count} channel(s) ({string.Join(", ", chosen.Select(c => MotionChannels.Names[c]))})");
            return ExitOk;
        });
        return new Command("simulate", "Write simulated device data to files.") { swings };
    }

    private static List<int>? ParseChannels(string text)
    {
        var chosen = new List<int>();
        foreach (var name in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var index = MotionChannels.Names.ToList().IndexOf(name);
            if (index < 0 || chosen.Contains(index))
            {
                return null;
            }

            chosen.Add(index);
        }

        return chosen;
    }
}
