using System.Diagnostics;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Partitioning;

/// <summary>
/// Chooses the pipeline register. The slower stage bounds the pipeline, so the automatic choice measures each
/// block's forward+backward time on minibatches of the real input shape and picks the block boundary that
/// minimises the slower stage. A register set by hand wins and costs no measurement.
/// </summary>
internal sealed class SplitPlanner(int batchSize, Device device, int measuredBatches = 10)
{
    /// <summary>The <c>Trainer:Split</c> value that asks for the automatic choice.</summary>
    public const int Automatic = 0;

    /// <summary>The hand-set register (clamped to the model's last boundary, as one setting serves models of different depths), or the measured balance for <see cref="Automatic"/>.</summary>
    public async Task<SplitPlan> PlanAsync(BlockSequence model, int configuredSplit)
    {
        if (model.Blocks.Count < 2)
        {
            throw new InvalidOperationException($"{model.Architecture} has {model.Blocks.Count} block; a pipeline needs at least two");
        }

        if (configuredSplit != Automatic)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(configuredSplit);
            return new SplitPlan(Math.Min(configuredSplit, model.Blocks.Count - 1), []);
        }

        // On a thread of its own with one torch thread, as each pipeline stage runs.
        IReadOnlyList<TimeSpan> times = [];
        await StageThread.Start("split-planner", 1, () => times = MeasureBlocks(model));
        return new SplitPlan(Balance(times), times);
    }

    /// <summary>The register in 1..n−1 whose slower stage is fastest; on a tie, the earlier one (early splits keep accuracy).</summary>
    public static int Balance(IReadOnlyList<TimeSpan> blockTimes)
    {
        if (blockTimes.Count < 2)
        {
            throw new ArgumentException($"{blockTimes.Count} block times; a split needs at least two blocks", nameof(blockTimes));
        }

        var total = blockTimes.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        var best = 1;
        var bestSlower = TimeSpan.MaxValue;
        var stage1 = TimeSpan.Zero;
        for (var register = 1; register < blockTimes.Count; register++)
        {
            stage1 += blockTimes[register - 1];
            var slower = stage1 > total - stage1 ? stage1 : total - stage1;
            if (slower < bestSlower)
            {
                (best, bestSlower) = (register, slower);
            }
        }

        return best;
    }

    /// <summary>
    /// Each block's forward+backward time for one minibatch: the fastest of <c>measuredBatches</c> after one warm-up
    /// (the fastest, because other work on the machine only ever adds time; ten by default, as three still picked
    /// unbalanced registers on a loaded machine, and ten cost about a tenth of a second on swing-cnn). Block i runs on the
    /// real output of block i−1; its backward computes the gradients its stage would (its parameters, and its input unless
    /// it is the first block).
    /// Batch-norm running statistics are put back afterwards, so measuring leaves the model as it was.
    /// </summary>
    public IReadOnlyList<TimeSpan> MeasureBlocks(BlockSequence model)
    {
        var buffers = model.named_buffers().Select(b => (b.buffer, saved: DetachedClone(b.buffer))).ToArray();
        var fastest = Enumerable.Repeat(TimeSpan.MaxValue, model.Blocks.Count).ToArray();
        var generator = new Generator(1, device);
        try
        {
            model.train();
            DeviceMoves.MoveBlocks(model, 0, model.Blocks.Count, device);
            for (var run = 0; run <= measuredBatches; run++)
            {
                using var scope = NewDisposeScope();
                var x = randn([batchSize, .. model.InputShape.Select(d => (long)d)], device: device, generator: generator);
                var auxiliary = rand([batchSize, 1], device: device, generator: generator);
                for (var i = 0; i < model.Blocks.Count; i++)
                {
                    var clock = Stopwatch.StartNew();
                    var input = x.detach().requires_grad_(i > 0);
                    var output = model.Blocks[i].forward(input, auxiliary);
                    Tensor[] wrt = [.. i > 0 ? [input] : Array.Empty<Tensor>(), .. model.Blocks[i].parameters()];
                    autograd.grad([output], wrt, [ones_like(output)]);
                    clock.Stop();
                    if (run > 0 && clock.Elapsed < fastest[i])
                    {
                        fastest[i] = clock.Elapsed;
                    }

                    x = output;
                }
            }
        }
        finally
        {
            using var noGrad = no_grad();
            foreach (var (buffer, saved) in buffers)
            {
                buffer.copy_(saved);
                saved.Dispose();
            }

            generator.Dispose();
        }

        return fastest;
    }

    // The detached intermediate stays referenced until the clone returns, so its finalizer cannot free it mid-call.
    private static Tensor DetachedClone(Tensor buffer)
    {
        using var detached = buffer.detach();
        return detached.clone();
    }
}
