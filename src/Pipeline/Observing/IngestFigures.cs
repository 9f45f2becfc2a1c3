namespace Pipeline.Runner.Observing;

/// <summary>
/// Ingest at one moment: per stream, messages received and stored and the receive rate; each queue's depth; the
/// store's write latency over the latest writes (milliseconds, null before the first); messages quarantined per reason.
/// </summary>
internal sealed record IngestFigures(
    IReadOnlyList<StreamFigures> Streams,
    IReadOnlyList<QueueDepth> Queues,
    WriteLatency WriteLatency,
    IReadOnlyDictionary<string, long> QuarantinedByReason);
