using System.Threading.Channels;
using Pipeline.Trainer.Dataset.Augmentations;
using static TorchSharp.torch;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Dataset;

/// <summary>
/// The last dataflow stage: shuffles examples per epoch (seeded, so every schedule sees the same order), applies the
/// augmentation the caller chose for its task (<see cref="ExampleAugmenter"/>, same seed; none by default) and writes
/// minibatch tensors into a bounded channel the schedule reads. The channel's bound is the number of batches prepared
/// ahead; a full channel makes this stage wait.
/// </summary>
internal static class BatchProducer
{
    public static Channel<TrainingBatch> CreateChannel(int capacity) =>
        Channel.CreateBounded<TrainingBatch>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });

    /// <param name="firstEpoch">Epochs before it are not written, but their shuffles and augmentation draws are replayed, so
    /// epoch <paramref name="firstEpoch"/> gets exactly the order it gets in a run from epoch 0 (resuming from a checkpoint).</param>
    public static async Task WriteEpochsAsync(
        ChannelWriter<TrainingBatch> writer, IReadOnlyList<Example> examples, IReadOnlyList<int> inputShape,
        int batchSize, int epochs, int seed, CancellationToken cancellationToken, int firstEpoch = 0,
        Augmentation augmentation = Augmentation.None)
    {
        try
        {
            var random = new Random(seed);
            var augmenter = new ExampleAugmenter(augmentation, inputShape);
            var order = Enumerable.Range(0, examples.Count).ToArray();
            for (var epoch = 0; epoch < epochs; epoch++)
            {
                random.Shuffle(order);
                if (epoch < firstEpoch)
                {
                    augmenter.Skip(order.Length, random);
                    continue;
                }

                for (var start = 0; start < order.Length; start += batchSize)
                {
                    var batch = Create(epoch, [.. order.Skip(start).Take(batchSize).Select(i => augmenter.Apply(examples[i], random))], inputShape);
                    try
                    {
                        await writer.WriteAsync(batch, cancellationToken);
                    }
                    catch
                    {
                        batch.Dispose();
                        throw;
                    }
                }
            }

            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
            throw;
        }
    }

    public static TrainingBatch Create(int epoch, IReadOnlyList<Example> batch, IReadOnlyList<int> inputShape)
    {
        var length = inputShape.Aggregate(1, (a, b) => a * b);
        var inputs = new float[batch.Count * length];
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Input.CopyTo(inputs, i * length);
        }

        long[] shape = [batch.Count, .. inputShape.Select(d => (long)d)];
        return new TrainingBatch(
            epoch,
            tensor(inputs, shape),
            tensor(batch.Select(e => e.Auxiliary).ToArray(), [batch.Count, 1]),
            tensor(batch.Select(e => (long)e.ClassIndex).ToArray()),
            tensor(batch.Select(e => e.ConcentrationPercent).ToArray()));
    }
}
