using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Ingest.Spilling;
using Pipeline.Protocol;
using Polly.CircuitBreaker;

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
    private readonly Counter<long> _spilled;
    private readonly Counter<long> _drained;
    private readonly ConcurrentDictionary<string, Func<int>> _queues = new(StringComparer.Ordinal);
    private Func<CircuitState> _circuit = () => CircuitState.Closed;
    private SpillBuffer? _spill;

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
        _spilled = meter.CreateCounter<long>("pipeline.ingest.spilled", "{message}", "Messages written to the on-disk spill because the store was unavailable");
        _drained = meter.CreateCounter<long>("pipeline.ingest.drained", "{message}", "Spilled messages replayed into the store");
        meter.CreateObservableGauge("pipeline.ingest.spill_bytes", () => Volatile.Read(ref _spill)?.Bytes ?? 0, "By", "Bytes waiting in the on-disk spill");
        meter.CreateObservableGauge("pipeline.ingest.spill_records", () => Volatile.Read(ref _spill)?.Records ?? 0, "{message}", "Messages waiting in the on-disk spill");
        meter.CreateObservableGauge("pipeline.ingest.store_circuit", () => (int)Volatile.Read(ref _circuit)(), "{state}",
            "The store's circuit breaker: 0 closed, 1 open, 2 half-open, 3 isolated");
    }

    /// <summary>Reports the spill's depth.</summary>
    public void ObserveSpill(SpillBuffer spill) => Volatile.Write(ref _spill, spill);

    /// <summary>Reports the store circuit breaker's state.</summary>
    public void ObserveCircuit(Func<CircuitState> state) => Volatile.Write(ref _circuit, state);

    public void Spilled(long count) => _spilled.Add(count);

    public void Drained(long count) => _drained.Add(count);

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
