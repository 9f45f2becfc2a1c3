using Pipeline.Protocol;

namespace Pipeline.Storage.Shared;

/// <summary>
/// The order <see cref="ITelemetryStore"/> promises its reads in, for stores whose server may hand rows back in another
/// (or an unpromised) order. Every sort is stable, so rows the server already put in order keep it.
/// </summary>
internal static class ReadOrder
{
    public static IReadOnlyList<SessionLabel> Sorted(IEnumerable<SessionLabel> labels) =>
        [.. labels.OrderBy(l => l.StartMicros).ThenBy(l => l.DeviceId, StringComparer.Ordinal).ThenBy(l => l.SessionId, StringComparer.Ordinal)];

    public static IReadOnlyList<MicroscopyFrame> Sorted(IEnumerable<MicroscopyFrame> frames) =>
        [.. frames.OrderBy(f => f.TimestampMicros).ThenBy(f => f.StreamId).ThenBy(f => f.Sequence)];

    public static IReadOnlyList<TelemetryRecord> Sorted(IEnumerable<TelemetryRecord> records) =>
        [.. records.OrderBy(r => r.TimestampMicros).ThenBy(r => r.StreamId).ThenBy(r => r.Sequence)];

    /// <summary>Motion rows (a time and its <see cref="MotionChannels.Count"/> values each) in time order, as one series.</summary>
    public static MotionSeries Sorted(IEnumerable<(long Time, float[] Values)> rows)
    {
        var ordered = rows.OrderBy(r => r.Time).ToList();
        if (ordered.Count == 0)
        {
            return MotionSeries.Empty;
        }

        var samples = new float[ordered.Count * MotionChannels.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            ordered[i].Values.CopyTo(samples, i * MotionChannels.Count);
        }

        return new MotionSeries([.. ordered.Select(r => r.Time)], samples);
    }
}
