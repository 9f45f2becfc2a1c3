using System.Diagnostics.Metrics;
using Pipeline.Ingest.Observability;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Listens to ingest's own <c>pipeline.ingest.write_latency</c> histogram (one measurement per store write) and adds
/// up the writes and their time, so a drain can say how much of it the store was busy: near 100% means the store is
/// the limit, well below means the time went to receiving, decoding and acknowledging.
/// </summary>
public sealed class StoreWriteTimer : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _writes;
    private double _milliseconds;

    public StoreWriteTimer()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == IngestTelemetry.MeterName && instrument.Name == "pipeline.ingest.write_latency")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, milliseconds, _, _) =>
        {
            lock (_listener)
            {
                _writes++;
                _milliseconds += milliseconds;
            }
        });
        _listener.Start();
    }

    public long Writes
    {
        get
        {
            lock (_listener)
            {
                return _writes;
            }
        }
    }

    public TimeSpan Busy
    {
        get
        {
            lock (_listener)
            {
                return TimeSpan.FromMilliseconds(_milliseconds);
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
