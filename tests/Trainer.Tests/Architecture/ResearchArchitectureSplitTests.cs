using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests.Architecture;

public class ResearchArchitectureSplitTests
{
    private static readonly Device[] CpuCpu = [CPU, CPU];

    [Theory]
    [MemberData(nameof(ResearchArchitectures.All), MemberType = typeof(ResearchArchitectures))]
    public async Task StaleWeightPipeline_RegisterAtEveryBlockBoundary_TrainsBothStagesWithFiniteLoss(string architecture)
    {
        var shape = ResearchArchitectures.SmallInput(architecture);
        using var model = ModelCatalog.CreateForInput(architecture, 3, shape, seed: 4);
        var random = new Random(6);
        var examples = Enumerable.Range(0, 8)
            .Select(i => new Example($"dev/s{i}", [.. Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)random.NextDouble())], 0f, i % 3, 0f))
            .ToList();

        for (var register = 1; register < model.Blocks.Count; register++)
        {
            var before = Snapshot(model, register);
            var losses = new List<double>();
            var channel = BatchProducer.CreateChannel(2);
            // Two minibatches: the first pipelined step, and the one stage 1 forwards while stage 2 works on it.
            var feed = BatchProducer.WriteEpochsAsync(channel.Writer, examples, shape, batchSize: 4, epochs: 1, seed: register, CancellationToken.None);
            await new StaleWeightPipeline(0.01, 0.9, register, CpuCpu).TrainAsync(model, channel.Reader, step => losses.Add(step.Loss), CancellationToken.None);
            await feed;

            Assert.Equal(2, losses.Count);
            Assert.All(losses, loss => Assert.True(double.IsFinite(loss), $"{architecture} split before block {register}: loss {loss}"));
            var (stage1, stage2) = Snapshot(model, register);
            Assert.False(stage1.SequenceEqual(before.Stage1), $"{architecture} split before block {register}: stage 1 did not update");
            Assert.False(stage2.SequenceEqual(before.Stage2), $"{architecture} split before block {register}: stage 2 did not update");
        }
    }

    // The first weight of each stage's first parameter: a stage that took a step has moved it.
    private static (float[] Stage1, float[] Stage2) Snapshot(BlockSequence model, int register) =>
        (model.ParameterSlots(0, register).Select(First).ToArray(), model.ParameterSlots(register, model.Blocks.Count).Select(First).ToArray());

    private static float First(ParameterSlot slot) => slot.Current.detach().flatten()[0].item<float>();
}
