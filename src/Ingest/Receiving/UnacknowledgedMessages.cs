namespace Pipeline.Ingest.Receiving;

/// <summary>
/// How many received messages are not yet handled. The writer uses it to see that nothing more can arrive
/// until it acknowledges what it holds (the MQTT client hands over one message at a time), so waiting to
/// fill a batch would only add delay.
/// </summary>
public sealed class UnacknowledgedMessages
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);

    public void Remove() => Interlocked.Decrement(ref _count);
}
