using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Resilience;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Storage.Predictions;

namespace Pipeline.Ingest.Writing;

/// <summary>
/// Writes one batch of decoded telemetry to the store through the <see cref="StoreResiliencePipeline"/>, marking each
/// message handled once it is stored (or once the store refused it as invalid and it is quarantined). Shared by the
/// live writer and the spill drain, so both count, quarantine and measure alike.
/// </summary>
internal sealed class ResilientStoreWriter(
    ITelemetryStore store,
    StoreResiliencePipeline resilience,
    Quarantine quarantine,
    IngestTelemetry telemetry,
    ILogger<ResilientStoreWriter> logger)
{
    /// <summary>
    /// Returns true once every message of the batch is handled, or false when the resilience pipeline gave up on the
    /// store (retries exhausted or circuit open); the messages not yet stored are then still unhandled.
    /// </summary>
    public async Task<bool> TryStoreAsync(IReadOnlyList<DecodedTelemetry> batch, CancellationToken cancellationToken)
    {
        try
        {
            await resilience.ExecuteAsync(attempt => new ValueTask(WriteAsync(batch, attempt)), cancellationToken);
            return true;
        }
        catch (BrokenCircuitException)
        {
            return false;
        }
        catch (Exception e) when (StoreResiliencePipeline.IsGivenUp(e) || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning("store write of {Count} messages gave up: {Error}", batch.Count(t => !t.Message.Handled.IsCompleted), e.Message);
            return false;
        }
    }

    private async Task WriteAsync(IReadOnlyList<DecodedTelemetry> batch, CancellationToken cancellationToken)
    {
        // On a retry, groups that were already written are handled; writing them again would count them as duplicates.
        var pending = batch.Where(t => !t.Message.Handled.IsCompleted).ToList();

        // Each task's data in one write of its own, in the order tasks first appear, then the labels (after the data they
        // label), then the predictions in one write.
        foreach (var group in pending.Where(t => t.Data is not null).GroupBy(t => t.Data!.Task))
        {
            var task = group.Key;
            await WriteGroupAsync([.. group], task.Stream, items => task.WriteAsync(store, [.. items.Select(t => t.Data!)], cancellationToken), cancellationToken);
        }

        foreach (var label in pending.Where(t => t.Label is not null))
        {
            await WriteGroupAsync([label], label.Stream,
                async items => await store.WriteLabelAsync(items[0].Label!, cancellationToken) ? 1 : 0, cancellationToken);
        }

        var predictions = pending.Where(t => t.Prediction is not null).ToList();
        if (predictions.Count > 0)
        {
            await WriteGroupAsync(predictions, predictions[0].Stream,
                items => store.WriteRecordsAsync([.. items.Select(t => PredictionRecords.From(t.Prediction!, t.Message.Payload))], cancellationToken), cancellationToken);
        }
    }

    private async Task WriteGroupAsync(
        List<DecodedTelemetry> items,
        string stream,
        Func<List<DecodedTelemetry>, ValueTask<int>> write,
        CancellationToken cancellationToken)
    {
        int stored;
        var started = Stopwatch.GetTimestamp();
        try
        {
            stored = await write(items);
        }
        catch (InvalidTelemetryException) when (items.Count > 1)
        {
            // One item the store cannot hold must not cost the others: write them one by one.
            foreach (var item in items)
            {
                await WriteGroupAsync([item], stream, write, cancellationToken);
            }

            return;
        }
        catch (InvalidTelemetryException e)
        {
            // Waits until the refusal is written, so a retry of this batch sees the item as handled.
            await quarantine.RefuseAsync(items[0].Message, stream, new TelemetryRejection("StoreRefused", $"the store refused it: {e.Message}"), cancellationToken);
            await items[0].Message.Handled.WaitAsync(cancellationToken);
            return;
        }

        telemetry.Stored(stream, items.Count, stored, items.Sum(t => (long)(t.Data?.Samples ?? 0)), Stopwatch.GetElapsedTime(started));
        foreach (var item in items)
        {
            item.Message.MarkHandled();
        }
    }
}
