using Pipeline.Models.Architecture;
using Xunit.Abstractions;
using Pipeline.Models.Explaining;
using Pipeline.Tasks;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Explaining;

/// <summary>
/// A task model trained on a task whose class is decided in one known region puts most of its saliency there, well above
/// the region's share of the input, and more than the same model untrained does: the maps show what the model learnt.
/// </summary>
public sealed class SaliencyRegionTests(ITestOutputHelper output)
{
    private static readonly Device[] CpuCpu = [CPU, CPU];

    [Theory]
    [InlineData("droplet")]
    [InlineData("swing")]
    public async Task TaskModel_TrainedOnAClassDecidedInOneRegion_PutsMostSaliencyThere(string task)
    {
        var region = Regions[task];
        var train = region.Examples(region.TrainPerClass, 2);
        var heldOut = region.Examples(region.HeldOutPerClass, 3);
        using var untrained = ModelCatalog.Create(region.Model, 2, seed: 5);
        var untrainedShare = await MeanShareAsync(untrained, heldOut, region.Contains);
        using var model = ModelCatalog.Create(region.Model, 2, seed: 5);

        var accuracy = await TrainAsync(model, train, heldOut, region.Epochs);
        var share = await MeanShareAsync(model, heldOut, region.Contains);
        output.WriteLine($"{region.Model}: held-out accuracy {accuracy:P0}, saliency in {region.Description} {share:P1} trained, {untrainedShare:P1} untrained");

        Assert.True(accuracy >= 0.9, $"held-out accuracy {accuracy:P0}: the model did not learn the task, so its maps mean nothing");
        Assert.True(share > 0.5, $"{region.Description} holds {share:P0} of the saliency of class-0 inputs");
        Assert.True(share > untrainedShare + 0.15, $"trained {share:P0} against untrained {untrainedShare:P0}: the maps do not follow what was learnt");
    }

    /// <summary>A task model and a two-class task whose class is decided inside one known region of its input.</summary>
    private sealed record RegionTask(string Model, Func<int, int, List<Example>> Examples, int TrainPerClass, int HeldOutPerClass, int Epochs, Func<int, bool> Contains, string Description);

    private static readonly Dictionary<string, RegionTask> Regions = new()
    {
        ["droplet"] = new(ModelCatalog.DropletCnn, RegionTasks.Images, 60, 12, 12, RegionTasks.InTopLeftQuadrant,
            "the top-left quadrant (25 % of the crop)"),
        ["swing"] = new(ModelCatalog.SwingCnn, RegionTasks.Windows, 40, 10, 10, RegionTasks.InBurstRegion,
            "channel 7's samples 160..351 (4.7 % of the window)"),
    };

    private static async Task<double> TrainAsync(BlockSequence model, List<Example> train, List<Example> heldOut, int epochs)
    {
        var channel = BatchProducer.CreateChannel(4);
        var feed = BatchProducer.WriteEpochsAsync(channel.Writer, train, model.InputShape, batchSize: 16, epochs, seed: 9, CancellationToken.None, augmentation: Augmentation.None);
        await new NonPipelinedSchedule(0.02, 0.9, CPU).TrainAsync(model, channel.Reader, null, CancellationToken.None);
        await feed;
        return await OnOwnThread(() =>
        {
            BatchNormCalibration.Recalibrate(model, train);
            return Evaluator.Evaluate(model, heldOut).Accuracy;
        });
    }

    /// <summary>The mean, over the held-out class-0 inputs, of the share of |saliency| for class 0 that lies in the region.</summary>
    private static Task<double> MeanShareAsync(BlockSequence model, List<Example> heldOut, Func<int, bool> inRegion) =>
        OnOwnThread(() => heldOut.Where(e => e.ClassIndex == 0).Average(e => IntegratedGradients.Explain(model, e.Input, e.Auxiliary, explainedClass: 0).ShareOfMagnitude(inRegion)));

    // Grad mode is per thread, as in the trainer.
    private static Task<T> OnOwnThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
