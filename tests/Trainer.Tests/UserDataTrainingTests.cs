using Pipeline.Models.Architecture;
using Pipeline.TestSupport;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.UserData;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class UserDataTrainingTests
{
    [Theory]
    [InlineData("non-pipelined")]
    [InlineData("pipelined")]
    [InlineData("hybrid")]
    public async Task TrainAsync_SeparableCsvWindows_EachScheduleLearnsWellAboveChance(string schedule)
    {
        using var files = new UserDataFiles();
        var dataset = LabelledWindowCsvReader.Read(files.Write("w.csv", LabelledWindowsCsv.Create(windows: 150, samples: 32, classes: 3, seed: 2)));
        var data = dataset.Split(0.2);
        var settings = new TrainingSettings([CPU, CPU]) { Epochs = 8, BatchSize = 16, Split = 0 };

        var outcome = await UserDataTraining.TrainAsync(data, dataset.InputShape, ModelCatalog.WindowCnn, schedule, settings, null, null, CancellationToken.None);

        Assert.Equal(schedule, outcome.Schedule);
        Assert.True(outcome.Metrics.Accuracy > 0.7, $"{schedule}: held-out accuracy {outcome.Metrics.Accuracy:P0}");
        Assert.Equal(schedule != "non-pipelined", outcome.Plan is { Measured: true });
    }

    [Fact]
    public void CreateForInput_FixedShapeModelOnOtherShape_SaysWhichShapeItTakes()
    {
        var error = Assert.Throws<Pipeline.Models.ModelArtifactException>(() => ModelCatalog.CreateForInput(ModelCatalog.SwingCnn, 3, [2, 64]));

        Assert.Contains("swing-cnn takes inputs of [8 × 512]", error.Message, StringComparison.Ordinal);
    }
}
