namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// The publishes in flight, oldest first, at most <see cref="Capacity"/>. PUBACKs may complete them in any order;
/// <see cref="TakeAcknowledgedPrefix"/> releases only an unbroken run from the oldest, so the outbox's cursor never
/// moves past a message still waiting for its acknowledgement.
/// </summary>
internal sealed class PublishWindow
{
    private readonly Queue<(OutboxMessage Message, Task Publish)> _publishes = new();

    public PublishWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _publishes.Count;

    public int Room => Capacity - _publishes.Count;

    /// <summary>The oldest publish in flight; awaiting it rethrows a broker's refusal.</summary>
    public Task Oldest => _publishes.Peek().Publish;

    public IEnumerable<Task> Publishes => _publishes.Select(p => p.Publish);

    public void Add(OutboxMessage message, Task publish)
    {
        if (Room == 0)
        {
            throw new InvalidOperationException($"the window already holds {Capacity} publishes in flight");
        }

        _publishes.Enqueue((message, publish));
    }

    /// <summary>Forgets every publish in flight (their messages go back to the outbox to be handed out again).</summary>
    public void GiveUp() => _publishes.Clear();

    /// <summary>Removes and returns the messages acknowledged without a gap from the oldest on, in order.</summary>
    public IReadOnlyList<OutboxMessage> TakeAcknowledgedPrefix()
    {
        var acknowledged = new List<OutboxMessage>();
        while (_publishes.TryPeek(out var oldest) && oldest.Publish.IsCompletedSuccessfully)
        {
            acknowledged.Add(_publishes.Dequeue().Message);
        }

        return acknowledged;
    }
}
