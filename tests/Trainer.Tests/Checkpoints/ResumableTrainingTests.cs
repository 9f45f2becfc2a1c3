using Pipeline.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Reporting;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Checkpoints;

public sealed class ResumableTrainingTests : IDisposable
{
    private const int Epochs = 4;
    private const int BatchSize = 8;
    private const int Seed = 3;
    private const string Settings = "test-settings";
    private static readonly Device[] CpuCpu = [CPU, CPU];
    private readonly string _folder = Directory.CreateTempSubdirectory("checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> ScheduleNames => [NonPipelinedSchedule.ScheduleName, StaleWeightPipeline.ScheduleName, HybridSchedule.ScheduleName];

    [Theory]
    [MemberData(nameof(ScheduleNames))]
    public async Task StoppedAfterTwoEpochsAndResumed_EndsWithBitwiseTheSameWeightsAndHistoryAsAStraightRun(string scheduleName)
    {
        var data = Data();
        var (straightWeights, straightHistory) = await TrainAsync(scheduleName, data, Path.Combine(_folder, "straight.checkpoint"), stopAfterEpochs: null);

        var path = Path.Combine(_folder, "resumed.checkpoint");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainAsync(scheduleName, data, path, stopAfterEpochs: 2));
        Assert.Equal(2, CheckpointFile.Read(path).Header.EpochsDone);
        var log = new RecordingLogger();
        var (resumedWeights, resumedHistory) = await TrainAsync(scheduleName, data, path, stopAfterEpochs: null, log);

        Assert.Contains(log.Messages, m => m.StartsWith("resuming from checkpoint", StringComparison.Ordinal) && m.Contains("2 of the epochs done", StringComparison.Ordinal));
        Assert.Equal(straightWeights, resumedWeights);
        Assert.Equal(Epochs, resumedHistory.Count);
        Assert.Equal(straightHistory.Select(e => (e.Loss, e.TrainAccuracy, e.HeldOutAccuracy)), resumedHistory.Select(e => (e.Loss, e.TrainAccuracy, e.HeldOutAccuracy)));
    }

    [Theory]
    [MemberData(nameof(ScheduleNames))]
    public async Task WithValidationAndARecipe_StoppedAndResumed_KeepsTheSameBestEpochWithBitwiseTheSameWeights(string scheduleName)
    {
        var plain = Data();
        var data = plain with { Train = [.. plain.Train.Skip(4)], Validation = [.. plain.Train.Take(4)] };
        var (straightWeights, straightHistory) = await TrainAsync(scheduleName, data, Path.Combine(_folder, "straight.checkpoint"), stopAfterEpochs: null, recipe: Recipe);

        var path = Path.Combine(_folder, "resumed.checkpoint");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainAsync(scheduleName, data, path, stopAfterEpochs: 3, recipe: Recipe));
        var log = new RecordingLogger();
        var (resumedWeights, resumedHistory) = await TrainAsync(scheduleName, data, path, stopAfterEpochs: null, log, Recipe);

        Assert.Contains(log.Messages, m => m.StartsWith("resuming from checkpoint", StringComparison.Ordinal));
        Assert.All(straightHistory, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.Equal(straightHistory.Select(e => (e.Loss, e.ValidationAccuracy, e.HeldOutAccuracy)), resumedHistory.Select(e => (e.Loss, e.ValidationAccuracy, e.HeldOutAccuracy)));
        Assert.Equal(straightWeights, resumedWeights);
    }

    [Fact]
    public void BestEpoch_IsChosenByValidationAccuracy_NeverByHeldOut_TheFirstOfEqualScores()
    {
        EpochProgress[] history =
        [
            new(0, 4, 1.0, 0.5, HeldOutAccuracy: 0.95, 100, ValidationAccuracy: 0.60),
            new(1, 4, 0.8, 0.6, HeldOutAccuracy: 0.50, 100, ValidationAccuracy: 0.80),
            new(2, 4, 0.6, 0.7, HeldOutAccuracy: 0.99, 100, ValidationAccuracy: 0.80),
            new(3, 4, 0.5, 0.8, HeldOutAccuracy: 0.70, 100, ValidationAccuracy: 0.70),
        ];

        Assert.Equal(1, ResumableTraining.BestEpoch(history));
        Assert.Null(ResumableTraining.BestEpoch([.. history.Select(e => e with { ValidationAccuracy = null })]));
    }

    [Fact]
    public async Task CorruptCheckpoint_IsRefusedWithAClearMessageAndTrainingStartsFresh()
    {
        var data = Data();
        var path = Path.Combine(_folder, "round.checkpoint");
        var (freshWeights, _) = await TrainAsync(NonPipelinedSchedule.ScheduleName, data, Path.Combine(_folder, "fresh.checkpoint"), stopAfterEpochs: null);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainAsync(NonPipelinedSchedule.ScheduleName, data, path, stopAfterEpochs: 1));
        var bytes = await File.ReadAllBytesAsync(path);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);

        var log = new RecordingLogger();
        var (weights, history) = await TrainAsync(NonPipelinedSchedule.ScheduleName, data, path, stopAfterEpochs: null, log);

        Assert.Contains(log.Messages, m => m.StartsWith("checkpoint refused, starting fresh:", StringComparison.Ordinal) && m.Contains("fails its SHA-256 check", StringComparison.Ordinal));
        Assert.Equal(Epochs, history.Count);
        Assert.Equal(freshWeights, weights);
    }

    [Fact]
    public async Task TruncatedCheckpoint_IsRefusedAndTrainingStartsFresh()
    {
        var data = Data();
        var path = Path.Combine(_folder, "round.checkpoint");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainAsync(NonPipelinedSchedule.ScheduleName, data, path, stopAfterEpochs: 1));
        var bytes = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, bytes[..(bytes.Length - 100)]);

        var log = new RecordingLogger();
        var (_, history) = await TrainAsync(NonPipelinedSchedule.ScheduleName, data, path, stopAfterEpochs: null, log);

        Assert.Contains(log.Messages, m => m.StartsWith("checkpoint refused, starting fresh:", StringComparison.Ordinal));
        Assert.Equal(Epochs, history.Count);
    }

    [Fact]
    public async Task CheckpointOfOtherData_IsNotUsedAndTheLogSaysTheDataDiffers()
    {
        var path = Path.Combine(_folder, "round.checkpoint");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TrainAsync(NonPipelinedSchedule.ScheduleName, Data(), path, stopAfterEpochs: 1));
        var grown = Data();
        var more = grown with { Train = [.. grown.Train, .. SyntheticExamples.Swings(perClass: 1, classes: 2, seed: 99)] };

        var log = new RecordingLogger();
        var (_, history) = await TrainAsync(NonPipelinedSchedule.ScheduleName, more, path, stopAfterEpochs: null, log);

        Assert.Contains(log.Messages, m => m.Contains("not used, starting fresh: the data differs", StringComparison.Ordinal));
        Assert.Equal(Epochs, history.Count);
    }

    [Fact]
    public void CheckpointFile_RoundTripsHeaderModelStateAndMomentum()
    {
        var path = Path.Combine(_folder, "c.checkpoint");
        var checkpoint = new TrainingCheckpoint(
            new CheckpointHeader("abc", "s", 2, 10, [new EpochProgress(0, 4, 0.5, 0.75, 0.5, 100), new EpochProgress(1, 4, 0.25, 0.875, null, 120)]),
            [1, 2, 3], [[[1f, -2f], null], [[float.Epsilon]]]);

        CheckpointFile.Write(path, checkpoint);
        var read = CheckpointFile.Read(path);

        Assert.Equal(checkpoint.Header.History, read.Header.History);
        Assert.Equal((checkpoint.Header.DataIdentity, checkpoint.Header.Settings, checkpoint.Header.EpochsDone, checkpoint.Header.StepsTrained),
            (read.Header.DataIdentity, read.Header.Settings, read.Header.EpochsDone, read.Header.StepsTrained));
        Assert.Equal(checkpoint.ModelState, read.ModelState);
        Assert.Equal([[1f, -2f], null], read.Momentum[0]);
        Assert.Equal([float.Epsilon], read.Momentum[1][0]!);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void FileThatIsNotACheckpoint_IsRefusedNamingTheProblem()
    {
        var path = Path.Combine(_folder, "c.checkpoint");
        File.WriteAllText(path, new string('x', 100));

        var error = Assert.Throws<CheckpointException>(() => CheckpointFile.Read(path));

        Assert.Contains("not a checkpoint", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A large rate that the cosine schedule takes down within the run, so the best epoch by validation need not be the last.</summary>
    private static readonly TrainingSettings Recipe = new(CpuCpu) { LearningRate = 0.1, LearningRateSchedule = LearningRateSchedule.Cosine, WeightDecay = 1e-3 };

    private static TrainingData Data()
    {
        var examples = SyntheticExamples.Swings(perClass: 12, classes: 2, seed: 7);
        return new TrainingData("swing", ["a", "b"], [.. examples.Where((_, i) => i % 4 != 0)], [.. examples.Where((_, i) => i % 4 == 0)]);
    }

    private static ITrainingSchedule Create(string name, int stepsPerEpoch) => name switch
    {
        NonPipelinedSchedule.ScheduleName => new NonPipelinedSchedule(0.02, 0.9, CPU),
        StaleWeightPipeline.ScheduleName => new StaleWeightPipeline(0.02, 0.9, register: 2, CpuCpu),
        // The switch falls inside the third epoch, after the stop: the resumed run must count the steps done before it.
        _ => new HybridSchedule(0.02, 0.9, register: 2, CpuCpu, pipelinedSteps: (2 * stepsPerEpoch) + 1),
    };

    private static async Task<(byte[] Weights, IReadOnlyList<EpochProgress> History)> TrainAsync(
        string scheduleName, TrainingData data, string path, int? stopAfterEpochs, RecordingLogger? log = null, TrainingSettings? recipe = null)
    {
        using var model = ModelCatalog.Create(ModelCatalog.SwingCnn, data.Classes.Count, seed: Seed);
        var schedule = Create(scheduleName, (int)Math.Ceiling(data.Train.Count / (double)BatchSize));
        using var stop = new CancellationTokenSource();
        var history = await new ResumableTraining(path, log ?? (Microsoft.Extensions.Logging.ILogger)NullLogger.Instance).TrainAsync(
            model, schedule, data, BatchSize, Epochs, Seed, Settings,
            progress =>
            {
                if (progress.Epoch + 1 == stopAfterEpochs)
                {
                    stop.Cancel();
                }
            },
            stop.Token, recipe: recipe);
        return (ModelArtifacts.Save(model), history);
    }
}
