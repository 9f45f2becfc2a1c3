namespace Pipeline.Storage.Embedded;

/// <summary>
/// One device's log of one task-defined record kind ("series/DEVICE/records-KIND.log") and its in-memory index, kept ordered
/// by time so a window read touches only the records inside it. Callers hold the store's index lock around every member but
/// <see cref="Log"/>'s positional reads.
/// </summary>
internal sealed class RecordSeries(AppendOnlyLog log) : IDisposable
{
    private readonly List<RecordIndexEntry> _entries = [];

    public AppendOnlyLog Log { get; } = log;

    public void Add(RecordIndexEntry entry)
    {
        // After every entry of the same microsecond: a log appended in time order is indexed without moving anything.
        int low = 0, high = _entries.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_entries[middle].TimestampMicros <= entry.TimestampMicros)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        _entries.Insert(low, entry);
    }

    /// <summary>The records in [from, to), in time order, ties by stream id, then sequence.</summary>
    public RecordIndexEntry[] Within(long fromMicros, long toMicros)
    {
        var start = FirstAtOrAfter(fromMicros);
        var end = FirstAtOrAfter(toMicros);
        return end > start
            ? [.. _entries.GetRange(start, end - start).OrderBy(e => e.TimestampMicros).ThenBy(e => e.StreamId).ThenBy(e => e.Sequence)]
            : [];
    }

    public void Dispose() => Log.Dispose();

    private int FirstAtOrAfter(long micros)
    {
        int low = 0, high = _entries.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_entries[middle].TimestampMicros < micros)
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
