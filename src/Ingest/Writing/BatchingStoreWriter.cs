using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Spilling;

namespace Pipeline.Ingest.Writing;

/// <summary>
/// The last stage: gathers decoded telemetry into batches (by size, and by time while more messages are on
/// their way), writes each batch to the store through the resilience pipeline, and only then marks its messages
/// handled, which lets the MQTT acknowledgements go out. An item the store refuses as invalid is quarantined on
/// its own, and the rest still stored. When the pipeline gives up on the store (retries exhausted or circuit
/// open), the batch is appended to the on-disk spill, fsynced, and then acknowledged; the spill drain stores it
/// later. When the spill is full, nothing is acknowledged: the batch is held and retried, and the broker keeps
/// everything behind it.
/// </summary>
internal sealed class BatchingStoreWriter(
    ResilientStoreWriter storeWriter,
    SpillBuffer spill,
    IngestTelemetry telemetry,
    UnacknowledgedMessages unacknowledged,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<BatchingStoreWriter> logger)
{
    private readonly int _batchSize = options.Value.BatchSize;
    // Two: the store overlaps a write with the fsync of the one before (more would only hold more messages unacknowledged).
    private const int BatchesOnTheirWay = 2;

    private readonly TimeSpan _batchMaxDelay = options.Value.BatchMaxDelay;
    private readonly TimeSpan _fullSpillRetryDelay = options.Value.StoreCircuitBreak;

    /// <summary>
    /// Runs until <paramref name="input"/> completes and is drained; cancelling abandons what is unwritten (the broker
    /// redelivers it). Two batches may be on their way at once: the next one is gathered and handed to the store while
    /// the last waits for its fsync, which the store overlaps with the next write. A batch carrying labels or predictions
    /// waits for the one before it, so a label is never stored before the data it labels.
    /// </summary>
    public async Task RunAsync(ChannelReader<DecodedTelemetry> input, CancellationToken cancellationToken)
    {
        var batch = new List<DecodedTelemetry>(_batchSize);
        var storing = new Queue<(List<DecodedTelemetry> Batch, Task Stored)>(BatchesOnTheirWay);
        try
        {
            while (await input.WaitToReadAsync(cancellationToken))
            {
                await FillAsync(input, batch, storing.Sum(s => s.Batch.Count), cancellationToken);
                if (batch.Any(t => t.Data is null))
                {
                    while (storing.Count > 0)
                    {
                        await OldestStoredAsync(storing);
                    }
                }

                storing.Enqueue((batch, StoreOrSpillAsync(batch, cancellationToken)));
                batch = new List<DecodedTelemetry>(_batchSize);
                if (storing.Count == BatchesOnTheirWay)
                {
                    await OldestStoredAsync(storing);
                }
            }

            while (storing.Count > 0)
            {
                await OldestStoredAsync(storing);
            }
        }
        finally
        {
            foreach (var (unfinished, stored) in storing)
            {
                await stored.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                Abandon(unfinished);
            }

            Abandon(batch);
        }
    }

    /// <summary>Waits for the oldest batch on its way; it leaves the queue only once stored, so a failure leaves it for the caller to abandon.</summary>
    private static async Task OldestStoredAsync(Queue<(List<DecodedTelemetry> Batch, Task Stored)> storing)
    {
        await storing.Peek().Stored;
        storing.Dequeue();
    }

    private static void Abandon(List<DecodedTelemetry> batch)
    {
        foreach (var item in batch)
        {
            item.Message.Abandon();
        }
    }

    private async Task FillAsync(ChannelReader<DecodedTelemetry> input, List<DecodedTelemetry> batch, int onTheirWay, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + _batchMaxDelay;
        while (batch.Count < _batchSize)
        {
            if (input.TryRead(out var item))
            {
                batch.Add(item);
                continue;
            }

            // Every message ingest holds is already in this batch or the one on its way: write it now (group commit); what
            // arrives during the write gathers into the next batch, so batches grow with the load and a lone message
            // waits for nothing.
            var remaining = deadline - time.GetUtcNow();
            if (unacknowledged.Count <= batch.Count + onTheirWay || remaining <= TimeSpan.Zero)
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

    private async Task StoreOrSpillAsync(List<DecodedTelemetry> batch, CancellationToken cancellationToken)
    {
        var holding = false;
        while (!await storeWriter.TryStoreAsync(batch, cancellationToken))
        {
            var pending = batch.Where(t => !t.Message.Handled.IsCompleted).ToList();
            var wasEmpty = spill.Records == 0;
            var spilled = spill.Append([.. pending.Select(t => new SpillRecord(t.Message.Topic, t.Message.Payload))]);
            if (spilled > 0 && wasEmpty)
            {
                logger.LogWarning("store unavailable: spilling batches to {Folder} (up to {MaxBytes} bytes) and acknowledging them; they drain when the store returns", spill.Folder, spill.MaxBytes);
            }

            // The spill is durable storage: acknowledging now lets the broker and devices move on.
            foreach (var item in pending.Take(spilled))
            {
                item.Message.MarkHandled();
            }

            telemetry.Spilled(spilled);
            if (spilled == pending.Count)
            {
                return;
            }

            if (!holding)
            {
                logger.LogError("store unavailable and the spill in {Folder} takes no more ({Bytes} of its {MaxBytes}-byte cap used; at the cap, or its disk is full): holding {Count} messages unacknowledged and retrying; the broker keeps the rest",
                    spill.Folder, spill.Bytes, spill.MaxBytes, pending.Count - spilled);
                holding = true;
            }

            await Task.Delay(_fullSpillRetryDelay, time, cancellationToken);
        }

        if (holding)
        {
            logger.LogWarning("the store took the held batch of {Count} messages; acknowledging again", batch.Count);
        }
    }
}
