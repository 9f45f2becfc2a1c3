using System.Diagnostics;
using System.Diagnostics.Metrics;
using Pipeline.Ingest.Observability;

namespace Pipeline.Scale.Bench;

/// <summary>
/// Listens to ingest's own <c>pipeline.ingest.stored</c> counter, which each store write adds to once it returned (the
/// batch durable), and keeps (when, how many stored so far): the curve that publish times are matched against.
/// </summary>
public sealed class StoredProgress : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(long Timestamp, long Stored)> _points = [];
    private long _stored;

    public StoredProgress()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == IngestTelemetry.MeterName && instrument.Name == "pipeline.ingest.stored")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, count, _, _) =>
        {
            lock (_points)
            {
                _stored += count;
                _points.Add((Stopwatch.GetTimestamp(), _stored));
            }
        });
        _listener.Start();
    }

    public IReadOnlyList<(long Timestamp, long Stored)> Points
    {
        get
        {
            lock (_points)
            {
                return [.. _points];
            }
        }
    }

    /// <summary>
    /// Each message's publish-to-stored latency in milliseconds: the k-th message published (by the time it was handed to
    /// its client) counts as stored when the k-th message was. Ingest holds one session, so the broker delivers in the
    /// order messages reached it, and ingest stores in the order it received them.
    /// </summary>
    public static double[] Latencies(long[] publishedAt, IReadOnlyList<(long Timestamp, long Stored)> stored)
    {
        var published = publishedAt.Order().ToArray();
        var latencies = new double[published.Length];
        var point = 0;
        for (var k = 0; k < published.Length; k++)
        {
            while (stored[point].Stored < k + 1)
            {
                point++;
            }

            latencies[k] = Stopwatch.GetElapsedTime(published[k], stored[point].Timestamp).TotalMilliseconds;
        }

        return latencies;
    }

    public void Dispose() => _listener.Dispose();
}
