using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class StaleWeightPipelineTests
{
    private const double LearningRate = 0.5;
    private static readonly Device[] CpuCpu = [CPU, CPU];

    private static BlockSequence TinyTwoStage() =>
        new("tiny-linear", 2, false, [4], ModelBlock.Linear("first", 4, 3, new Random(7)), ModelBlock.Linear("second", 3, 2, new Random(8)));

    [Fact]
    public async Task Pipeline_TinyLinearModel_Stage1UpdatesUseGradientsFromWeightsOneUpdateStale()
    {
        var examples = SyntheticExamples.Linear(48, seed: 1);
        var batches = Enumerable.Range(0, 6).Select(b => examples.Skip(b * 8).Take(8).ToArray()).ToArray();
        using var model = TinyTwoStage();

        var channel = BatchProducer.CreateChannel(2);
        var feed = Task.Run(async () =>
        {
            foreach (var b in batches)
            {
                await channel.Writer.WriteAsync(BatchProducer.Create(0, b, [4]));
            }

            channel.Writer.Complete();
        });
        await new StaleWeightPipeline(LearningRate, 0, register: 1, CpuCpu).TrainAsync(model, channel.Reader, null, CancellationToken.None);
        await feed;

        var stale = Replay(batches, staleness: StaleWeightPipeline.Staleness);
        var fresh = Replay(batches, staleness: 0);
        var trained = Weights(model);
        for (var i = 0; i < trained.Length; i++)
        {
            Assert.True(trained[i].allclose(stale[i], rtol: 1e-4, atol: 1e-6), $"parameter {i} differs from the k=1 stale-weight recurrence");
        }

        Assert.Contains(Enumerable.Range(0, 2), i => !trained[i].allclose(fresh[i], rtol: 1e-4, atol: 1e-6));
    }

    [Fact]
    public async Task Pipeline_EasySwingProblem_ReachesAccuracyOfNonPipelined()
    {
        var train = SyntheticExamples.Swings(perClass: 24, classes: 3, seed: 2);
        var heldOut = SyntheticExamples.Swings(perClass: 10, classes: 3, seed: 3);

        var pipelined = await TrainSwingAsync(new StaleWeightPipeline(0.02, 0.9, register: 1, CpuCpu), train, heldOut);
        var baseline = await TrainSwingAsync(new NonPipelinedSchedule(0.02, 0.9, CPU), train, heldOut);

        Assert.True(pipelined.Accuracy >= 0.9, $"pipelined held-out accuracy {pipelined.Accuracy:P0}");
        Assert.True(baseline.Accuracy >= 0.9, $"non-pipelined held-out accuracy {baseline.Accuracy:P0}");
    }

    [Fact]
    public async Task Pipeline_RegisterOutsideTheBlocks_RefusesWithTheValidRange()
    {
        using var model = TinyTwoStage();
        var channel = BatchProducer.CreateChannel(1);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new StaleWeightPipeline(LearningRate, 0, register: 2, CpuCpu).TrainAsync(model, channel.Reader, null, CancellationToken.None));
        Assert.Contains("1..1", error.Message);
    }

    private static async Task<Protocol.ModelMetrics> TrainSwingAsync(ITrainingSchedule schedule, List<Example> train, List<Example> heldOut)
    {
        using var model = ModelCatalog.Create(ModelCatalog.SwingCnn, 3, seed: 5);
        var channel = BatchProducer.CreateChannel(4);
        var feed = BatchProducer.WriteEpochsAsync(channel.Writer, train, model.InputShape, batchSize: 16, epochs: 10, seed: 9, CancellationToken.None);
        await schedule.TrainAsync(model, channel.Reader, null, CancellationToken.None);
        await feed;
        return Evaluator.Evaluate(model, heldOut);
    }

    private static Tensor[] Weights(BlockSequence model) => [.. model.ParameterSlots(0, 2).Select(s => s.Current.detach().clone())];

    // The schedule written out sequentially: stage 2 sees stage-1 features computed with W1 from `staleness`
    // updates ago and updates at once; stage 1's update t+1 applies the gradient of batch t at those old weights.
    private static Tensor[] Replay(Example[][] batches, int staleness)
    {
        using var model = TinyTwoStage();
        var w = Weights(model);
        var history = new List<Tensor[]> { w[..2] };
        Tensor[] w1 = w[..2], w2 = w[2..];
        for (var t = 0; t < batches.Length; t++)
        {
            using var batch = BatchProducer.Create(0, batches[t], [4]);
            var old = history[Math.Max(0, history.Count - 1 - staleness)];
            var p1 = old.Select(p => p.detach().requires_grad_(true)).ToArray();
            var p2 = w2.Select(p => p.detach().requires_grad_(true)).ToArray();
            var features = nn.functional.linear(batch.Inputs, p1[0], p1[1]);
            var loss = nn.functional.cross_entropy(nn.functional.linear(features, p2[0], p2[1]), batch.Labels);
            var g = autograd.grad([loss], [.. p1, .. p2]);
            using (no_grad())
            {
                w1 = [w1[0] - (LearningRate * g[0]), w1[1] - (LearningRate * g[1])];
                w2 = [w2[0] - (LearningRate * g[2]), w2[1] - (LearningRate * g[3])];
            }

            history.Add(w1);
        }

        return [.. w1, .. w2];
    }
}
