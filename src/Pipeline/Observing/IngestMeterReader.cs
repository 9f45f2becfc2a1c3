using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pipeline.Ingest.Observability;

namespace Pipeline.Runner.Observing;

/// <summary>
/// Listens, in ingest's own process, to the instruments of its "Pipeline.Ingest" meter made by one meter factory (so a
/// second loop in the same process is not mixed in): messages received and stored per stream, quarantined per reason,
/// queue depths and the store's write latency. <see cref="Read"/> turns the totals into rates since the previous read.
/// </summary>
internal sealed class IngestMeterReader : IDisposable
{
    private const int LatencyWindow = 512;

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _received = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _stored = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _quarantined = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _queues = new(StringComparer.Ordinal);
    private readonly Queue<double> _latencies = new();
    private readonly Lock _readLock = new();
    private readonly TimeProvider _time;
    private Dictionary<string, long> _previousReceived = new(StringComparer.Ordinal);
    private long _previousAt;
    private long _writes;

    public IngestMeterReader(IMeterFactory factory, TimeProvider time)
    {
        _time = time;
        _previousAt = time.GetTimestamp();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == IngestTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<int>(OnInt);
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.Start();
    }

    /// <summary>The figures now: totals, and each stream's rate since the previous call.</summary>
    public IngestFigures Read()
    {
        lock (_readLock)
        {
            _listener.RecordObservableInstruments();
            var now = _time.GetTimestamp();
            var seconds = Math.Max(_time.GetElapsedTime(_previousAt, now).TotalSeconds, 1e-3);
            var received = new Dictionary<string, long>(_received, StringComparer.Ordinal);
            var streams = received.Keys.Union(_stored.Keys).Order(StringComparer.Ordinal)
                .Select(s => new StreamFigures(s, received.GetValueOrDefault(s), _stored.GetValueOrDefault(s),
                    (received.GetValueOrDefault(s) - _previousReceived.GetValueOrDefault(s)) / seconds))
                .ToList();
            _previousReceived = received;
            _previousAt = now;
            double[] latencies;
            lock (_latencies)
            {
                latencies = [.. _latencies];
            }

            Array.Sort(latencies);
            return new IngestFigures(streams,
                [.. _queues.OrderBy(q => q.Key, StringComparer.Ordinal).Select(q => new QueueDepth(q.Key, q.Value))],
                new WriteLatency(Interlocked.Read(ref _writes), Percentile(latencies, 0.5), Percentile(latencies, 0.99)),
                new Dictionary<string, long>(_quarantined, StringComparer.Ordinal));
        }
    }

    public void Dispose() => _listener.Dispose();

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(p * sorted.Length))];

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString() ?? "";
            }
        }

        return "";
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var totals = instrument.Name switch
        {
            "pipeline.ingest.received" => _received,
            "pipeline.ingest.stored" => _stored,
            "pipeline.ingest.quarantined" => _quarantined,
            _ => null,
        };
        var key = instrument.Name == "pipeline.ingest.quarantined" ? Tag(tags, "reason") : Tag(tags, "stream");
        totals?.AddOrUpdate(key, value, (_, total) => total + value);
    }

    private void OnInt(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "pipeline.ingest.queue_depth")
        {
            _queues[Tag(tags, "queue")] = value;
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name != "pipeline.ingest.write_latency")
        {
            return;
        }

        Interlocked.Increment(ref _writes);
        lock (_latencies)
        {
            _latencies.Enqueue(value);
            if (_latencies.Count > LatencyWindow)
            {
                _latencies.Dequeue();
            }
        }
    }
}
