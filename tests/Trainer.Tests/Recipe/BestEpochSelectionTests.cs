using Pipeline.Models.Architecture;
using Pipeline.TestSupport;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Runs;
using Pipeline.Trainer.UserData;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Recipe;

public class BestEpochSelectionTests
{
    [Fact]
    public async Task Run_WithAValidationSplit_KeepsTheEpochBestByValidation_AndReportsThatEpochsHeldOutFigure()
    {
        using var files = new UserDataFiles();
        var dataset = LabelledWindowCsvReader.Read(files.Write("w.csv", LabelledWindowsCsv.Create(windows: 150, samples: 32, classes: 3, seed: 2)));
        var data = dataset.Split(heldOutFraction: 0.2, validationFraction: 0.2);
        // A large constant rate keeps the later epochs noisy, so the best epoch is rarely the last.
        var settings = new TrainingSettings([CPU, CPU]) { Epochs = 6, BatchSize = 16, LearningRate = 0.2, LearningRateSchedule = LearningRateSchedule.Constant };

        var outcome = await UserDataTraining.TrainAsync(data, dataset.InputShape, ModelCatalog.WindowCnn, NonPipelinedSchedule, settings, null, null, CancellationToken.None);

        Assert.NotEmpty(data.Validation);
        Assert.Empty(data.Validation.Intersect(data.HeldOut));
        Assert.Empty(data.Validation.Select(e => e.SessionKey).Intersect(data.Train.Select(e => e.SessionKey)));
        Assert.Equal(ResumableTraining.BestEpoch(outcome.History), outcome.KeptEpoch);
        Assert.Equal(outcome.History[outcome.KeptEpoch].HeldOutAccuracy, outcome.Metrics.Accuracy);
    }

    [Fact]
    public async Task Run_WithoutAValidationSplit_KeepsTheLastEpoch()
    {
        using var files = new UserDataFiles();
        var dataset = LabelledWindowCsvReader.Read(files.Write("w.csv", LabelledWindowsCsv.Create(windows: 60, samples: 32, classes: 3, seed: 2)));
        var data = dataset.Split(heldOutFraction: 0.2);
        var settings = new TrainingSettings([CPU, CPU]) { Epochs = 3, BatchSize = 16 };

        var outcome = await UserDataTraining.TrainAsync(data, dataset.InputShape, ModelCatalog.WindowCnn, NonPipelinedSchedule, settings, null, null, CancellationToken.None);

        Assert.Empty(data.Validation);
        Assert.All(outcome.History, e => Assert.Null(e.ValidationAccuracy));
        Assert.Equal(2, outcome.KeptEpoch);
        Assert.Equal(outcome.History[^1].HeldOutAccuracy, outcome.Metrics.Accuracy);
    }

    private const string NonPipelinedSchedule = Schedules.NonPipelinedSchedule.ScheduleName;
}
