namespace Pipeline.Ingest.Receiving;

/// <summary>
/// How many received messages are not yet handled. The writer uses it to see that every message ingest holds is
/// already in its batch: waiting to fill the batch would then only add delay, and whatever arrives meanwhile
/// gathers into the next batch while this one is written.
/// </summary>
public sealed class UnacknowledgedMessages
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);

    public void Remove() => Interlocked.Decrement(ref _count);
}
