namespace Pipeline.Storage.Embedded;

/// <summary>
/// One device's series files (motion, frames and one log per task-defined record kind) and their in-memory indexes, kept
/// ordered by time so a window read touches only the records that overlap it. Callers hold the store's index lock around
/// every member.
/// </summary>
internal sealed class DeviceSeries(AppendOnlyLog motion, AppendOnlyLog frames) : IDisposable
{
    private readonly List<MotionIndexEntry> _motion = [];
    private readonly List<FrameIndexEntry> _frames = [];
    private long _longestBatchMicros;

    public AppendOnlyLog Motion { get; } = motion;

    public AppendOnlyLog Frames { get; } = frames;

    /// <summary>The record logs of this device, by record kind (an identifier, so also a safe part of a file name).</summary>
    public Dictionary<string, RecordSeries> Records { get; } = new(StringComparer.Ordinal);

    public void Add(MotionIndexEntry entry)
    {
        _motion.Insert(UpperBound(_motion, entry.FirstMicros, e => e.FirstMicros), entry);
        _longestBatchMicros = Math.Max(_longestBatchMicros, entry.LastMicros - entry.FirstMicros);
    }

    public void Add(FrameIndexEntry entry) =>
        _frames.Insert(UpperBound(_frames, entry.TimestampMicros, e => e.TimestampMicros), entry);

    /// <summary>The batches with a sample in [from, to), in order of first timestamp.</summary>
    public MotionIndexEntry[] MotionOverlapping(long fromMicros, long toMicros)
    {
        // A batch starting up to the longest batch span before 'from' may still reach into the window.
        var start = LowerBound(_motion, SaturatingSubtract(fromMicros, _longestBatchMicros), e => e.FirstMicros);
        var found = new List<MotionIndexEntry>();
        for (var i = start; i < _motion.Count && _motion[i].FirstMicros < toMicros; i++)
        {
            if (_motion[i].LastMicros >= fromMicros)
            {
                found.Add(_motion[i]);
            }
        }

        return [.. found];
    }

    /// <summary>The frames in [from, to), in time order.</summary>
    public FrameIndexEntry[] FramesWithin(long fromMicros, long toMicros)
    {
        var start = LowerBound(_frames, fromMicros, e => e.TimestampMicros);
        var end = LowerBound(_frames, toMicros, e => e.TimestampMicros);
        return end > start ? [.. _frames.GetRange(start, end - start)] : [];
    }

    public void Dispose()
    {
        Motion.Dispose();
        Frames.Dispose();
        foreach (var records in Records.Values)
        {
            records.Dispose();
        }
    }

    private static long SaturatingSubtract(long value, long amount) => value < long.MinValue + amount ? long.MinValue : value - amount;

    /// <summary>The first index whose key is at least <paramref name="key"/>.</summary>
    private static int LowerBound<T>(List<T> list, long key, Func<T, long> keyOf)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (keyOf(list[middle]) < key)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>The first index whose key is above <paramref name="key"/>: inserting there keeps equal keys in arrival order.</summary>
    private static int UpperBound<T>(List<T> list, long key, Func<T, long> keyOf)
    {
        int low = 0, high = list.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (keyOf(list[middle]) <= key)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
