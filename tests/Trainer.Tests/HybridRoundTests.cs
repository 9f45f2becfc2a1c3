using Pipeline.TestSupport;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.Service;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

public sealed class HybridRoundTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hybrid-round-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Round_HybridWithAutomaticSplit_LogsThePlanTheSwitchAndEachStagesTime()
    {
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await WriteSwingSessionsAsync(store, sessionsPerClass: 8);
        var options = new TrainerOptions
        {
            DataFolder = _folder, Epochs = 4, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25,
            Schedule = HybridSchedule.ScheduleName, Split = SplitPlanner.Automatic, HybridPipelinedFraction = 0.5,
        };
        var logger = new RecordingLogger();

        var result = await new TrainingRound(options, store, new ModelRegistry(_folder), null, TimeProvider.System, logger).RunAsync(1, LearningTasks.Swing, CancellationToken.None);

        foreach (var message in logger.Messages)
        {
            output.WriteLine(message);
        }

        Assert.Equal(HybridSchedule.ScheduleName, result.Schedule);
        Assert.Contains(logger.Messages, m => m.Contains("(automatic): stage 1", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Contains("hybrid trains", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Contains("accuracy", StringComparison.Ordinal) && m.Contains("stage 1 busy", StringComparison.Ordinal) && m.Contains("stage 2 busy", StringComparison.Ordinal));
    }

    /// <summary>Swing sessions of two classes that differ in their gyroscope burst's frequency, each labelled.</summary>
    private static async Task WriteSwingSessionsAsync(EmbeddedTelemetryStore store, int sessionsPerClass)
    {
        var random = new Random(11);
        var start = 1_700_000_000_000_000L;
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
                    for (var ch = 5; ch < 8; ch++)
                    {
                        samples[(i * 8) + ch] = (float)(900 * envelope * Math.Sin(i * (c + 1) * 0.06));
                    }
                }

                samples[(impact * 8) + MotionChannels.GyroX] = 1500;
                await store.WriteMotionAsync([new MotionBatch("club-1", 1, (ulong)((c * 1000) + s), start, 500f, samples)], CancellationToken.None);
                var end = start + (count * 2000L);
                await store.WriteLabelAsync(new SessionLabel("club-1", $"s{c}-{s}", LearningTasks.Swing, start, end, new SwingLabel("alice", c == 0 ? "draw" : "fade"), null), CancellationToken.None);
                start = end + 1_000_000;
            }
        }
    }
}
