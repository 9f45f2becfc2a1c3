using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Protocol;
using Pipeline.Storage;

namespace Pipeline.Ingest.Writing;

/// <summary>
/// The last stage: gathers decoded telemetry into batches (by size, and by time while more messages are on
/// their way), writes each batch to the store, and only then marks its messages handled, which lets the
/// MQTT acknowledgements go out. A store that fails is retried with backoff (nothing is acknowledged
/// meanwhile); an item the store refuses as invalid is quarantined on its own, and the rest still stored.
/// </summary>
public sealed class BatchingStoreWriter(
    ITelemetryStore store,
    Quarantine quarantine,
    IngestStatistics statistics,
    IngestMetrics metrics,
    UnacknowledgedMessages unacknowledged,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<BatchingStoreWriter> logger)
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly int _batchSize = options.Value.BatchSize;
    private readonly TimeSpan _batchMaxDelay = TimeSpan.FromMilliseconds(options.Value.BatchMaxDelayMilliseconds);

    /// <summary>Runs until <paramref name="input"/> completes and is drained; cancelling abandons what is unwritten (the broker redelivers it).</summary>
    public async Task RunAsync(ChannelReader<DecodedTelemetry> input, CancellationToken cancellationToken)
    {
        var batch = new List<DecodedTelemetry>(_batchSize);
        try
        {
            while (await input.WaitToReadAsync(cancellationToken))
            {
                await FillAsync(input, batch, cancellationToken);
                await WriteWithRetryAsync(batch, cancellationToken);
                batch.Clear();
            }
        }
        finally
        {
            foreach (var item in batch)
            {
                item.Message.Abandon();
            }
        }
    }

    private async Task FillAsync(ChannelReader<DecodedTelemetry> input, List<DecodedTelemetry> batch, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + _batchMaxDelay;
        while (batch.Count < _batchSize)
        {
            if (input.TryRead(out var item))
            {
                batch.Add(item);
                continue;
            }

            // Every message ingest holds is already in this batch: write it now (group commit); what arrives
            // during the write gathers into the next batch, so batches grow with the load and a lone message waits for nothing.
            var remaining = deadline - time.GetUtcNow();
            if (unacknowledged.Count <= batch.Count || remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var more = input.WaitToReadAsync(wait.Token).AsTask();
            var timeout = Task.Delay(remaining, time, wait.Token);
            var first = await Task.WhenAny(more, timeout);
            await wait.CancelAsync();
            if (first != more || !more.IsCompletedSuccessfully || !more.Result)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return;
            }
        }
    }

    private async Task WriteWithRetryAsync(List<DecodedTelemetry> batch, CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                await WriteAsync(batch, cancellationToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException and not ArgumentException)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt++, 10))));
                logger.LogError(e, "store write of {Count} messages failed (attempt {Attempt}); retrying in {Delay} ms, nothing is acknowledged meanwhile", batch.Count, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task WriteAsync(List<DecodedTelemetry> batch, CancellationToken cancellationToken)
    {
        // On a retry, groups that were already written are handled; writing them again would count them as duplicates.
        var pending = batch.Where(t => !t.Message.Handled.IsCompleted).ToList();
        var motion = pending.Where(t => t.Motion is not null).ToList();
        var frames = pending.Where(t => t.Frame is not null).ToList();
        var labels = pending.Where(t => t.Label is not null).ToList();

        if (motion.Count > 0)
        {
            await WriteGroupAsync(motion, TelemetryStream.Motion, items => store.WriteMotionAsync([.. items.Select(t => t.Motion!)], cancellationToken),
                (items, stored) => statistics.AddMotion(stored, items.Sum(t => (long)t.Motion!.SampleCount)), cancellationToken);
        }

        if (frames.Count > 0)
        {
            await WriteGroupAsync(frames, TelemetryStream.Frames, items => store.WriteFramesAsync([.. items.Select(t => t.Frame!)], cancellationToken),
                (_, stored) => statistics.AddFrames(stored), cancellationToken);
        }

        foreach (var label in labels)
        {
            await WriteGroupAsync([label], TelemetryStream.Labels,
                async items => await store.WriteLabelAsync(items[0].Label!, cancellationToken) ? 1 : 0,
                (_, stored) => statistics.AddLabels(stored), cancellationToken);
        }
    }

    private async Task WriteGroupAsync(
        List<DecodedTelemetry> items,
        TelemetryStream stream,
        Func<List<DecodedTelemetry>, ValueTask<int>> write,
        Action<List<DecodedTelemetry>, int> count,
        CancellationToken cancellationToken)
    {
        int stored;
        var started = Stopwatch.GetTimestamp();
        try
        {
            stored = await write(items);
        }
        catch (ArgumentException) when (items.Count > 1)
        {
            // One item the store cannot hold must not cost the others: write them one by one.
            foreach (var item in items)
            {
                await WriteGroupAsync([item], stream, write, count, cancellationToken);
            }

            return;
        }
        catch (ArgumentException e)
        {
            // Waits until the refusal is written, so a retry of this batch sees the item as handled.
            await quarantine.RefuseAsync(items[0].Message, stream, new TelemetryRejection("StoreRefused", $"the store refused it: {e.Message}"), cancellationToken);
            await items[0].Message.Handled.WaitAsync(cancellationToken);
            return;
        }

        metrics.WriteLatency(Stopwatch.GetElapsedTime(started), stream);
        metrics.Stored(stream, stored);
        metrics.Duplicates(stream, items.Count - stored);
        count(items, stored);
        statistics.AddDuplicates(items.Count - stored);
        foreach (var item in items)
        {
            item.Message.MarkHandled();
        }
    }
}
