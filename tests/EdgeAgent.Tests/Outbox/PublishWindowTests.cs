using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Outbox;

public sealed class PublishWindowTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("publish-window-test");

    [Fact]
    public void AcknowledgementsOutOfOrder_ReleaseMessagesOnlyAsAnUnbrokenPrefix_AndTheCursorAdvancesInOrder()
    {
        var folder = _folder.Combine("outbox");
        using (var outbox = DiskOutbox.Open(folder, DiskOutbox.MinMaxBytes, NullLogger.Instance))
        {
            for (var i = 0; i < 4; i++)
            {
                outbox.Append("t", new[] { (byte)i }, new StreamCheckpoint(1, (ulong)i + 1, 0, i + 1), endsSession: false);
            }

            outbox.SyncToDisk();
            var window = new PublishWindow(3);
            var pubacks = new List<TaskCompletionSource>();
            foreach (var message in outbox.TakeDurable(window.Room))
            {
                pubacks.Add(new TaskCompletionSource());
                window.Add(message, pubacks[^1].Task);
            }

            Assert.Equal(0, window.Room);

            pubacks[2].SetResult();
            pubacks[1].SetResult();
            Assert.Empty(window.TakeAcknowledgedPrefix());

            pubacks[0].SetResult();
            var acknowledged = window.TakeAcknowledgedPrefix();
            Assert.Equal([0, 1, 2], acknowledged.Select(m => (int)m.Payload.Span[0]));
            outbox.Acknowledge(acknowledged);
            Assert.Equal(0, window.Count);
        }

        using var reopened = DiskOutbox.Open(folder, DiskOutbox.MinMaxBytes, NullLogger.Instance);
        reopened.SyncToDisk();
        Assert.Equal(3, Assert.Single(reopened.TakeDurable(10)).Payload.Span[0]);
    }

    [Fact]
    public void AFailedPublishBehindAnUnacknowledgedOne_IsNotReleased_AndSurfacesWhenItBecomesTheOldest()
    {
        var window = new PublishWindow(2);
        var first = new TaskCompletionSource();
        window.Add(Message(0), first.Task);
        window.Add(Message(1), Task.FromException(new InvalidOperationException("refused")));

        Assert.Empty(window.TakeAcknowledgedPrefix());
        first.SetResult();

        Assert.Single(window.TakeAcknowledgedPrefix());
        Assert.True(window.Oldest.IsFaulted);
        Assert.Empty(window.TakeAcknowledgedPrefix());
    }

    [Fact]
    public void Add_BeyondTheCapacity_IsRefused()
    {
        var window = new PublishWindow(1);
        window.Add(Message(0), Task.CompletedTask);

        Assert.Throws<InvalidOperationException>(() => window.Add(Message(1), Task.CompletedTask));
    }

    public void Dispose() => _folder.Dispose();

    private static OutboxMessage Message(int i) => new(1, i * 100, 100, "t", new[] { (byte)i });
}
