using System.Globalization;
using System.Text;
using Pipeline.Simulation.Golf;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.Runner.Simulate;

/// <summary>
/// Simulated swings as the `pipeline train` CSV of windows (docs/TRAINING.md): each session's window is cut where
/// the trainer cuts it (<see cref="SwingWindowing.FindWindowStart"/>), in the sensors' own units, keeping only the
/// chosen channels, so the same swings can be trained on with different sensor subsets.
/// </summary>
internal static class SwingWindowCsv
{
    /// <summary>Writes <paramref name="sessions"/> simulated swings; returns how many windows were written (a session with no swing has none).</summary>
    public static int Write(TextWriter output, int sessions, int seed, IReadOnlyList<int> channels)
    {
        var simulator = new GolfClubSimulator(seed);
        output.Write("window,label");
        foreach (var channel in channels)
        {
            output.Write(',');
            output.Write(MotionChannels.Names[channel]);
        }

        output.WriteLine();
        var written = 0;
        var line = new StringBuilder();
        for (var s = 0; s < sessions; s++)
        {
            var session = simulator.NextSession();
            var start = SwingWindowing.FindWindowStart(session.Samples);
            if (start < 0)
            {
                continue;
            }

            for (var i = start; i < start + SwingWindowing.WindowSamples; i++)
            {
                line.Clear().Append(CultureInfo.InvariantCulture, $"swing-{s:D5},{session.ClassName}");
                foreach (var channel in channels)
                {
                    line.Append(',').Append(session.Samples[(i * MotionChannels.Count) + channel].ToString("R", CultureInfo.InvariantCulture));
                }

                output.WriteLine(line);
            }

            written++;
        }

        return written;
    }
}
