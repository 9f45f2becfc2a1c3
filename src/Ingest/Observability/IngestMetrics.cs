using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Observability;

/// <summary>Ingest's instruments on the "Pipeline.Ingest" meter.</summary>
public sealed class IngestMetrics
{
    public const string MeterName = "Pipeline.Ingest";

    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _duplicates;
    private readonly Histogram<double> _writeLatency;
    private readonly ConcurrentDictionary<string, Func<int>> _queues = new(StringComparer.Ordinal);

    public IngestMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("pipeline.ingest.received", "{message}", "MQTT messages received, by stream");
        _stored = meter.CreateCounter<long>("pipeline.ingest.stored", "{message}", "Messages the store took as new, by stream");
        _quarantined = meter.CreateCounter<long>("pipeline.ingest.quarantined", "{message}", "Messages refused and quarantined, by stream and reason code");
        _duplicates = meter.CreateCounter<long>("pipeline.ingest.duplicates", "{message}", "Valid messages the store already had, by stream");
        _writeLatency = meter.CreateHistogram<double>("pipeline.ingest.write_latency", "ms", "Time of one batched store write");
        meter.CreateObservableGauge("pipeline.ingest.queue_depth",
            () => _queues.Select(q => new Measurement<int>(q.Value(), new KeyValuePair<string, object?>("queue", q.Key))),
            "{message}", "Messages waiting in each ingest queue");
    }

    /// <summary>Reports the depth of a queue under <paramref name="name"/> until the queue is replaced.</summary>
    public void ObserveQueue(string name, Func<int> depth) => _queues[name] = depth;

    public void Received(TelemetryStream? stream) => _received.Add(1, Tag(stream));

    public void Stored(TelemetryStream stream, long count) => _stored.Add(count, Tag(stream));

    public void Duplicates(TelemetryStream stream, long count) => _duplicates.Add(count, Tag(stream));

    public void Quarantined(TelemetryStream? stream, string code) =>
        _quarantined.Add(1, Tag(stream), new KeyValuePair<string, object?>("reason", code));

    public void WriteLatency(TimeSpan elapsed, TelemetryStream stream) => _writeLatency.Record(elapsed.TotalMilliseconds, Tag(stream));

    private static KeyValuePair<string, object?> Tag(TelemetryStream? stream) =>
        new("stream", stream is { } s ? Topics.StreamName(s) : "unknown");
}
