using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Writing;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Spilling;

/// <summary>
/// Replays the spill into the store, oldest segment first, through the same decoder and resilience pipeline as
/// live traffic, and deletes a segment only once every record of it is stored (or quarantined). While the store is
/// still down its writes fail fast on the open circuit; the drain then waits one break duration and tries again, so
/// its write is the probe that closes the circuit when the store is back. Owned and started by the ingest service;
/// a spill left by an earlier run is drained at start.
/// </summary>
internal sealed class SpillDrainer(
    SpillBuffer spill,
    TelemetryDecoder decoder,
    ResilientStoreWriter storeWriter,
    Quarantine quarantine,
    IngestTelemetry telemetry,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<SpillDrainer> logger)
{
    private readonly int _batchSize = options.Value.BatchSize;
    private readonly TimeSpan _retryDelay = options.Value.StoreCircuitBreak;

    // Replayed messages were acknowledged when they were spilled; they must not count as held by the live writer.
    private readonly UnacknowledgedMessages _replaying = new();

    /// <summary>Drains until cancelled; what is not yet drained stays on disk for the next run.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        long drained = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var segment = spill.TakeOldest();
            if (segment is null)
            {
                if (drained > 0)
                {
                    logger.LogWarning("spill drained: {Records} spilled messages are now in the store", drained);
                    drained = 0;
                }

                await spill.WaitForAppendAsync(cancellationToken);
                continue;
            }

            drained += await DrainAsync(segment, cancellationToken);
            spill.Delete(segment);
            logger.LogInformation("spill segment {Path} drained ({Records} messages); {Left} messages remain spilled", segment.Path, segment.Records, spill.Records);
        }
    }

    private async Task<long> DrainAsync(SpillSegment segment, CancellationToken cancellationToken)
    {
        var records = spill.Read(segment);
        foreach (var chunk in records.Chunk(_batchSize))
        {
            var messages = chunk.Select(r => new ReceivedMessage(r.Topic, r.Payload, time.GetUtcNow(), _replaying, static () => { })).ToList();
            var batch = new List<DecodedTelemetry>(messages.Count);
            foreach (var message in messages)
            {
                var (telemetry, status, rejection) = decoder.Decode(message);
                if (telemetry is not null)
                {
                    batch.Add(telemetry);
                }
                else if (rejection is not null)
                {
                    // Only messages that passed validation are spilled; a refusal now means the settings changed meanwhile.
                    logger.LogWarning("a spilled message on {Topic} no longer passes validation ({Reason}); quarantining it", message.Topic, rejection.Reason);
                    await quarantine.RefuseAsync(message, Topics.TryParseTelemetryTopic(message.Topic, out _, out _, out var stream) ? stream : null, rejection, cancellationToken);
                }
                else if (status is not null)
                {
                    message.MarkHandled();
                }
            }

            while (!await storeWriter.TryStoreAsync(batch, cancellationToken))
            {
                await Task.Delay(_retryDelay, time, cancellationToken);
            }

            await Task.WhenAll(messages.Select(m => m.Handled)).WaitAsync(cancellationToken);
            telemetry.Drained(messages.Count);
        }

        return records.Count;
    }
}
