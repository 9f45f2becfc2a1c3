using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Ingest.Spilling;
using Pipeline.Protocol;
using Polly.CircuitBreaker;

namespace Pipeline.Ingest.Observability;

/// <summary>
/// Ingest's telemetry: each event is counted once, here, on its instrument of the "Pipeline.Ingest" meter (for exporters)
/// and in this process's running totals (<see cref="Totals"/>, for reports and tests) alike, so the two cannot drift apart.
/// Safe to use from any thread.
/// </summary>
public sealed class IngestTelemetry
{
    public const string MeterName = "Pipeline.Ingest";

    private readonly Counter<long> _received;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _samples;
    private readonly Histogram<double> _writeLatency;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _spilled;
    private readonly Counter<long> _drained;
    private readonly ConcurrentDictionary<string, Func<int>> _queues = new(StringComparer.Ordinal);
    private Func<CircuitState> _circuit = () => CircuitState.Closed;
    private SpillBuffer? _spill;

    private long _motionBatches;
    private long _motionSamples;
    private long _frames;
    private long _labels;
    private long _statusMessages;
    private long _quarantinedTotal;
    private long _duplicatesTotal;
    private long _spilledTotal;
    private long _drainedTotal;
    private long _records;
    private long _predictions;

    public IngestTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("pipeline.ingest.received", "{message}", "MQTT messages received, by stream");
        _stored = meter.CreateCounter<long>("pipeline.ingest.stored", "{message}", "Messages the store took as new, by stream");
        _quarantined = meter.CreateCounter<long>("pipeline.ingest.quarantined", "{message}", "Messages refused and quarantined, by stream and reason code");
        _duplicates = meter.CreateCounter<long>("pipeline.ingest.duplicates", "{message}", "Valid messages the store already had, by stream");
        _samples = meter.CreateCounter<long>("pipeline.ingest.samples", "{sample}", "Motion samples of the valid batches handed to the store");
        _writeLatency = meter.CreateHistogram<double>("pipeline.ingest.write_latency", "ms", "Time of one batched store write");
        _batchSize = meter.CreateHistogram<int>("pipeline.ingest.batch_size", "{message}", "Messages in one store write",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] });
        meter.CreateObservableGauge("pipeline.ingest.queue_depth",
            () => _queues.Select(q => new Measurement<int>(q.Value(), new KeyValuePair<string, object?>("queue", q.Key))),
            "{message}", "Messages waiting in each ingest queue");
        _spilled = meter.CreateCounter<long>("pipeline.ingest.spilled", "{message}", "Messages written to the on-disk spill because the store was unavailable");
        _drained = meter.CreateCounter<long>("pipeline.ingest.drained", "{message}", "Spilled messages replayed into the store");
        meter.CreateObservableGauge("pipeline.ingest.spill_bytes", () => Volatile.Read(ref _spill)?.Bytes ?? 0, "By", "Bytes waiting in the on-disk spill");
        meter.CreateObservableGauge("pipeline.ingest.spill_capacity", () => Volatile.Read(ref _spill)?.MaxBytes ?? 0, "By", "The most bytes the on-disk spill may hold");
        meter.CreateObservableGauge("pipeline.ingest.spill_records", () => Volatile.Read(ref _spill)?.Records ?? 0, "{message}", "Messages waiting in the on-disk spill");
        meter.CreateObservableGauge("pipeline.ingest.store_circuit", () => (int)Volatile.Read(ref _circuit)(), "{state}",
            "The store's circuit breaker: 0 closed, 1 open, 2 half-open, 3 isolated");

        // Present from the start, at 0, so that a dashboard's rate() has a series before the first event.
        _samples.Add(0);
        _spilled.Add(0);
        _drained.Add(0);
    }

    /// <summary>This process's running totals, each read atomically.</summary>
    public IngestTotals Totals => new(
        Interlocked.Read(ref _motionBatches),
        Interlocked.Read(ref _motionSamples),
        Interlocked.Read(ref _frames),
        Interlocked.Read(ref _labels),
        Interlocked.Read(ref _statusMessages),
        Interlocked.Read(ref _quarantinedTotal),
        Interlocked.Read(ref _duplicatesTotal),
        Interlocked.Read(ref _spilledTotal),
        Interlocked.Read(ref _drainedTotal),
        Interlocked.Read(ref _records),
        Interlocked.Read(ref _predictions));

    /// <summary>Reports the spill's depth.</summary>
    public void ObserveSpill(SpillBuffer spill) => Volatile.Write(ref _spill, spill);

    /// <summary>Reports the store circuit breaker's state.</summary>
    public void ObserveCircuit(Func<CircuitState> state) => Volatile.Write(ref _circuit, state);

    /// <summary>Reports the depth of a queue under <paramref name="name"/> until the queue is replaced.</summary>
    public void ObserveQueue(string name, Func<int> depth) => _queues[name] = depth;

    /// <summary>A message came off the broker (its stream, or null when its topic names none).</summary>
    public void Received(string? stream) => _received.Add(1, Tag(stream));

    /// <summary>A device status message was taken.</summary>
    public void StatusReceived() => Interlocked.Increment(ref _statusMessages);

    /// <summary>
    /// One store write of <paramref name="offered"/> messages of <paramref name="stream"/> took <paramref name="elapsed"/>; the
    /// store took <paramref name="stored"/> as new and already had the rest. <paramref name="samples"/> are the motion samples
    /// offered, duplicates included (0 for other streams).
    /// </summary>
    public void Stored(string stream, int offered, int stored, long samples, TimeSpan elapsed)
    {
        var tag = Tag(stream);
        _writeLatency.Record(elapsed.TotalMilliseconds, tag);
        _batchSize.Record(offered, tag);
        _stored.Add(stored, tag);
        _duplicates.Add(offered - stored, tag);
        Interlocked.Add(ref _duplicatesTotal, offered - stored);
        switch (stream)
        {
            case "motion":
                Interlocked.Add(ref _motionBatches, stored);
                Interlocked.Add(ref _motionSamples, samples);
                _samples.Add(samples);
                break;
            case "frames":
                Interlocked.Add(ref _frames, stored);
                break;
            case "labels":
                Interlocked.Add(ref _labels, stored);
                break;
            case "predictions":
                Interlocked.Add(ref _predictions, stored);
                break;
            default:
                Interlocked.Add(ref _records, stored);
                break;
        }
    }

    /// <summary>A message was refused with the reason <paramref name="code"/> and quarantined.</summary>
    public void Quarantined(string? stream, string code)
    {
        _quarantined.Add(1, Tag(stream), new KeyValuePair<string, object?>("reason", code));
        Interlocked.Increment(ref _quarantinedTotal);
    }

    /// <summary>Messages written to the on-disk spill (and then acknowledged) while the store was unavailable.</summary>
    public void Spilled(long count)
    {
        _spilled.Add(count);
        Interlocked.Add(ref _spilledTotal, count);
    }

    /// <summary>Spilled messages replayed into the store.</summary>
    public void Drained(long count)
    {
        _drained.Add(count);
        Interlocked.Add(ref _drainedTotal, count);
    }

    public override string ToString() => Totals.ToString();

    private static KeyValuePair<string, object?> Tag(string? stream) => new("stream", stream ?? "unknown");
}
