using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Tests.Architecture;

/// <summary>Each trainable research model learns a small separable problem well above chance (1/3) under the pipelined schedule. ResNet-56 is only stepped (ResearchArchitectureSplitTests): training it takes too long for a unit test.</summary>
public class ResearchArchitectureLearningTests
{
    private static readonly Device[] CpuCpu = [CPU, CPU];

    [Theory]
    [InlineData(ModelCatalog.GolfVanillaCnn)]
    [InlineData(ModelCatalog.GolfVgg)]
    [InlineData(ModelCatalog.GolfInception)]
    [InlineData(ModelCatalog.GolfResNet)]
    public async Task PipelinedTraining_GolfFamilyOnSyntheticSwings_ReachesWellAboveChanceHeldOut(string architecture)
    {
        var train = SyntheticExamples.Swings(perClass: 24, classes: 3, seed: 2);
        var heldOut = SyntheticExamples.Swings(perClass: 10, classes: 3, seed: 3);

        var accuracy = await TrainAsync(architecture, [8, 512], train, heldOut, epochs: 10);

        Assert.True(accuracy >= 0.8, $"{architecture}: held-out accuracy {accuracy:P0}");
    }

    [Theory]
    [InlineData(ModelCatalog.LeNet5, 1, 32)]
    [InlineData(ModelCatalog.ResNet20, 3, 12)]
    public async Task PipelinedTraining_PaperImageModelOnSyntheticTextures_ReachesWellAboveChanceHeldOut(string architecture, int channels, int side)
    {
        var train = SyntheticTextures.Images(perClass: 24, channels, side, seed: 2);
        var heldOut = SyntheticTextures.Images(perClass: 10, channels, side, seed: 3);

        var accuracy = await TrainAsync(architecture, [channels, side, side], train, heldOut, epochs: 10);

        Assert.True(accuracy >= 0.8, $"{architecture}: held-out accuracy {accuracy:P0}");
    }

    private static async Task<double> TrainAsync(string architecture, int[] shape, List<Example> train, List<Example> heldOut, int epochs)
    {
        using var model = ModelCatalog.CreateForInput(architecture, 3, shape, seed: 5);
        var channel = BatchProducer.CreateChannel(4);
        var feed = BatchProducer.WriteEpochsAsync(channel.Writer, train, shape, batchSize: 16, epochs, seed: 9, CancellationToken.None,
            augmentation: shape.Length == 3 ? Augmentation.QuarterTurns : Augmentation.None);
        // An early register, where the paper finds pipelining costs next to no accuracy.
        await new StaleWeightPipeline(0.02, 0.9, register: 1, CpuCpu).TrainAsync(model, channel.Reader, null, CancellationToken.None);
        await feed;
        // Evaluation on a thread of its own, as the trainer does: grad mode is per thread.
        return await Task.Factory.StartNew(() =>
        {
            BatchNormCalibration.Recalibrate(model, train);
            return Evaluator.Evaluate(model, heldOut).Accuracy;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
