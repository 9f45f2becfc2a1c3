using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Schedules;
using Pipeline.Trainer.Service;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests;

public sealed class HybridRoundTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hybrid-round-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Round_HybridWithAutomaticSplit_TrainsBlessesAndRegistersAHybridModel()
    {
        await using var store = EmbeddedTelemetryStore.Open(Path.Combine(_folder, "store"));
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 8);
        var options = new TrainerOptions
        {
            DataFolder = _folder, Epochs = 4, BatchSize = 16, MinExamplesPerClass = 4, HeldOutFraction = 0.25,
            Schedule = HybridSchedule.ScheduleName, Split = SplitPlanner.Automatic, HybridPipelinedFraction = 0.5,
        };
        var registry = new ModelRegistry(_folder);
        var logger = new RecordingLogger();

        var result = await Bounded.WithinAsync(new TrainingRound(options, store, registry, null, TimeProvider.System, logger).RunAsync(1, LearningTasks.Swing, CancellationToken.None),
            TimeSpan.FromMinutes(5), "a hybrid training round");

        foreach (var message in logger.Messages)
        {
            output.WriteLine(message);
        }

        Assert.Null(result.Failure);
        Assert.Equal((1, HybridSchedule.ScheduleName), (result.Version, result.Schedule));
        Assert.True(result.Accuracy >= 0.8, $"held-out accuracy {result.Accuracy:P0}");
        Assert.True(result.TrainExamples > 0 && result.HeldOutExamples > 0 && result.SamplesPerSecond > 0, $"{result}");
        var current = registry.Current(LearningTasks.Swing);
        Assert.Equal((1, HybridSchedule.ScheduleName), (current!.Version, current.Schedule));
        Assert.Equal(LabelledSwingSessions.Classes, current.Classes);
        var card = ModelCardFile.Read(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v1"))!;
        Assert.Equal((HybridSchedule.ScheduleName, SplitPlanner.Automatic, 4), (card.Training.Schedule, card.Training.Split, card.Training.Epochs));
        Assert.Equal(result.Accuracy, card.HeldOut.Accuracy, 6);
        // The plan the automatic split chose and where the hybrid switches are not in the card: the operator reads them in the log.
        Assert.Contains(logger.Messages, m => m.Contains("(automatic): stage 1", StringComparison.Ordinal));
        Assert.Contains(logger.Messages, m => m.Contains("hybrid trains", StringComparison.Ordinal));
    }
}
