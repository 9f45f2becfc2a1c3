using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks.Swing;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// Labelled swing sessions of two classes (alice's draws, bob's fades) written into a store as ingest would: each one
/// a motion batch whose gyroscope burst differs in frequency between the classes, plus noise, and its label.
/// </summary>
internal static class LabelledSwingSessions
{
    public static readonly IReadOnlyList<string> Classes = ["alice:draw", "bob:fade"];

    public static async Task WriteAsync(ITelemetryStore store, int sessionsPerClass)
    {
        var random = new Random(11);
        var start = 1_700_000_000_000_000L;
        string[] players = ["alice", "bob"];
        string[] shapes = ["draw", "fade"];
        for (var c = 0; c < 2; c++)
        {
            for (var s = 0; s < sessionsPerClass; s++)
            {
                const int count = 1200;
                var samples = new float[count * 8];
                var impact = 400 + random.Next(400);
                for (var i = 0; i < count; i++)
                {
                    var envelope = Math.Exp(-Math.Pow((i - impact) / 60.0, 2));
                    for (var ch = 0; ch < 8; ch++)
                    {
                        var scale = SwingWindowing.ChannelScale[ch];
                        var wave = ch >= 5 ? 900 * envelope * Math.Sin(i * (c + 1) * 0.06) : (c == 0 ? 1 : -1) * 0.3 * envelope * scale;
                        samples[(i * 8) + ch] = (float)(wave + ((random.NextDouble() - 0.5) * 0.05 * scale));
                    }
                }

                // Make sure the impact is the peak gyro magnitude.
                samples[(impact * 8) + MotionChannels.GyroX] = 1500;
                var device = $"club-{s % 3}";
                await store.WriteMotionAsync([new MotionBatch(device, 1, (ulong)((c * 1000) + s), start, 500f, samples)], CancellationToken.None);
                var end = start + (count * 2000L);
                await store.WriteLabelAsync(new SessionLabel(device, $"s{c}-{s}", LearningTasks.Swing, start, end, new SwingLabel(players[c], shapes[c]), null), CancellationToken.None);
                start = end + 1_000_000;
            }
        }
    }
}
