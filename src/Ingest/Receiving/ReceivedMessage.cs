namespace Pipeline.Ingest.Receiving;

/// <summary>
/// One MQTT message on its way through ingest. It is acknowledged to the broker (manually, by the callback given
/// here) only when marked handled: after the message was stored, quarantined, or recognised as a duplicate.
/// </summary>
public sealed class ReceivedMessage
{
    private readonly TaskCompletionSource _handled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly UnacknowledgedMessages _tracker;
    private readonly Action _acknowledge;

    public ReceivedMessage(string topic, byte[] payload, DateTimeOffset receivedAt, UnacknowledgedMessages tracker, Action acknowledge)
    {
        _acknowledge = acknowledge;
        Topic = topic;
        Payload = payload;
        ReceivedAt = receivedAt;
        _tracker = tracker;
        tracker.Add();
    }

    public string Topic { get; }

    public byte[] Payload { get; }

    public DateTimeOffset ReceivedAt { get; }

    public Task Handled => _handled.Task;

    public void MarkHandled()
    {
        if (_handled.TrySetResult())
        {
            _tracker.Remove();
            _acknowledge();
        }
    }

    /// <summary>Ingest stopped before the message was handled: it stays unacknowledged and the broker redelivers it.</summary>
    public void Abandon()
    {
        if (_handled.TrySetCanceled())
        {
            _tracker.Remove();
        }
    }
}
