using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// A tiny linear two-block model and its training written out sequentially, as the reference the schedules'
/// exact update rules are checked against.
/// </summary>
internal static class TinyTwoStageReplay
{
    public static BlockSequence Model() =>
        new("tiny-linear", 2, false, [4], ModelBlock.Linear("first", 4, 3, new Random(7)), ModelBlock.Linear("second", 3, 2, new Random(8)));

    /// <summary>Minibatches of eight linear examples, epoch 0.</summary>
    public static Example[][] Batches(int count) =>
        [.. SyntheticExamples.Linear(count * 8, seed: 1).Chunk(8)];

    public static async Task FeedAsync(System.Threading.Channels.ChannelWriter<TrainingBatch> writer, Example[][] batches)
    {
        foreach (var b in batches)
        {
            await writer.WriteAsync(BatchProducer.Create(0, b, [4]));
        }

        writer.Complete();
    }

    public static Tensor[] Weights(BlockSequence model) => [.. model.ParameterSlots(0, 2).Select(s => s.Current.detach().clone())];

    /// <summary>
    /// SGD with momentum, where step t's stage-1 features (and so both stages' gradients) come from the stage-1 weights
    /// of <paramref name="staleness"/>(t) updates ago; stage 2's weights are always current. Stage 1's update t+1 thus
    /// applies the gradient of batch t at those old weights. With <paramref name="resetMomentumAt"/>, the momentum
    /// buffers restart from zero at that step, as a schedule that re-created its optimiser would.
    /// </summary>
    public static Tensor[] Replay(Example[][] batches, Func<int, int> staleness, double learningRate, double momentum, int resetMomentumAt = -1)
    {
        using var model = Model();
        var w = Weights(model);
        var history = new List<Tensor[]> { w[..2] };
        var weights = w;
        var velocity = weights.Select(p => zeros_like(p)).ToArray();
        for (var t = 0; t < batches.Length; t++)
        {
            if (t == resetMomentumAt)
            {
                velocity = [.. weights.Select(p => zeros_like(p))];
            }

            using var batch = BatchProducer.Create(0, batches[t], [4]);
            var old = history[Math.Max(0, history.Count - 1 - staleness(t))];
            var p1 = old.Select(p => p.detach().requires_grad_(true)).ToArray();
            var p2 = weights[2..].Select(p => p.detach().requires_grad_(true)).ToArray();
            var features = nn.functional.linear(batch.Inputs, p1[0], p1[1]);
            var loss = nn.functional.cross_entropy(nn.functional.linear(features, p2[0], p2[1]), batch.Labels);
            var g = autograd.grad([loss], [.. p1, .. p2]);
            using (no_grad())
            {
                velocity = [.. velocity.Select((v, i) => (momentum * v) + g[i])];
                weights = [.. weights.Select((p, i) => p - (learningRate * velocity[i]))];
            }

            history.Add(weights[..2]);
        }

        return weights;
    }

    public static bool AllClose(Tensor[] a, Tensor[] b) => a.Zip(b).All(p => p.First.allclose(p.Second, rtol: 1e-4, atol: 1e-6));
}
