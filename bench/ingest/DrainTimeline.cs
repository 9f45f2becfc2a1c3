using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Pipeline.Ingest.Observability;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Where one drain's time went, from ingest's own metrics: when the first and the last message came off the broker
/// (<c>pipeline.ingest.received</c>), when each store write ended and how long it took (<c>pipeline.ingest.write_latency</c>),
/// and when the samples stored reached the drain's count (<c>pipeline.ingest.samples</c>), which stops the drain's clock at
/// the write that stored the last one (polling ingest's totals had stopped it 0-4 ms late, the timer's lateness under load).
/// Timestamps are <see cref="Stopwatch"/> ticks, comparable with the drain's clock.
/// </summary>
public sealed class DrainTimeline : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<(long EndedAt, double Milliseconds)> _writes = [];
    private readonly long _samplesToStore;
    private readonly TaskCompletionSource<long> _allStored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _firstReceived;
    private long _lastReceived;
    private long _samplesStored;

    /// <param name="samplesToStore">The samples of the drain: <see cref="AllStoredAsync"/> completes once ingest stored that many.</param>
    public DrainTimeline(long samplesToStore)
    {
        _samplesToStore = samplesToStore;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == IngestTelemetry.MeterName && instrument.Name is "pipeline.ingest.received" or "pipeline.ingest.write_latency" or "pipeline.ingest.samples")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            var now = Stopwatch.GetTimestamp();
            if (instrument.Name == "pipeline.ingest.samples")
            {
                if (Interlocked.Add(ref _samplesStored, value) >= _samplesToStore)
                {
                    _allStored.TrySetResult(now);
                }

                return;
            }

            lock (_gate)
            {
                if (_firstReceived == 0)
                {
                    _firstReceived = now;
                }

                _lastReceived = now;
            }
        });
        _listener.SetMeasurementEventCallback<double>((_, milliseconds, _, _) =>
        {
            var now = Stopwatch.GetTimestamp();
            lock (_gate)
            {
                _writes.Add((now, milliseconds));
            }
        });
        _listener.Start();
    }

    /// <summary>
    /// When ingest reported the drain's last sample stored (its <see cref="Stopwatch"/> timestamp); fails after
    /// <paramref name="patience"/> with how many it had stored.
    /// </summary>
    public async Task<long> AllStoredAsync(TimeSpan patience, CancellationToken cancellationToken)
    {
        try
        {
            return await _allStored.Task.WaitAsync(patience, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"ingest stored {Interlocked.Read(ref _samplesStored)} of {_samplesToStore} samples within {patience.TotalSeconds:0} s");
        }
    }

    /// <summary>When the first message came off the broker; 0 before it did.</summary>
    public long FirstReceived
    {
        get
        {
            lock (_gate)
            {
                return _firstReceived;
            }
        }
    }

    /// <summary>The store writes so far, and their time added up.</summary>
    public (long Writes, TimeSpan Busy) StoreWrites
    {
        get
        {
            lock (_gate)
            {
                return (_writes.Count, TimeSpan.FromMilliseconds(_writes.Sum(w => w.Milliseconds)));
            }
        }
    }

    /// <summary>One line: from <paramref name="clockStarted"/> to the first message, the receiving span, the store writes, and from the last write to <paramref name="clockStopped"/>.</summary>
    public string Describe(long clockStarted, long clockStopped)
    {
        lock (_gate)
        {
            static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
            var writes = string.Join(" ", _writes.Select(w => w.Milliseconds.ToString("F0", CultureInfo.InvariantCulture)));
            var lastWrite = _writes.Count > 0 ? _writes[^1].EndedAt : clockStopped;
            return string.Create(CultureInfo.InvariantCulture,
                $"{Ms(clockStarted, clockStopped):F0} ms: clock start to first message {Ms(clockStarted, _firstReceived):F0} ms, first to last message {Ms(_firstReceived, _lastReceived):F0} ms, "
                + $"first message to last write's end {Ms(_firstReceived, lastWrite):F0} ms, last write's end to clock stop {Ms(lastWrite, clockStopped):F0} ms; store writes (ms): {writes}");
        }
    }

    public void Dispose() => _listener.Dispose();
}
