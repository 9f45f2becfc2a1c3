using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.Tests;

public class DataflowTests
{
    [Fact]
    public async Task BatchProducer_ReaderStalls_StopsAtChannelBound()
    {
        var examples = SyntheticExamples.Linear(100, seed: 1);
        var channel = BatchProducer.CreateChannel(2);
        using var cancel = new CancellationTokenSource();
        var producer = BatchProducer.WriteEpochsAsync(channel.Writer, examples, [4], batchSize: 10, epochs: 3, seed: 1, cancel.Token);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (channel.Reader.Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }

        Assert.Equal(2, channel.Reader.Count);
        Assert.False(producer.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => producer);
        while (channel.Reader.TryRead(out var batch))
        {
            batch.Dispose();
        }
    }

    [Fact]
    public void HeldOutSplit_IsStablePerSessionAndNearTheFraction()
    {
        var keys = Enumerable.Range(0, 2000).Select(i => $"dev-{i % 7}/session-{i}").ToArray();
        var heldOut = keys.Count(k => HeldOutSplit.IsHeldOut(k, 0.2));
        Assert.InRange(heldOut, 320, 480);
        Assert.All(keys, k => Assert.Equal(HeldOutSplit.IsHeldOut(k, 0.2), HeldOutSplit.IsHeldOut(k, 0.2)));
    }
}
