using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Outbox;

public sealed class DiskOutboxTests : IDisposable
{
    private const long Cap = DiskOutbox.MinMaxBytes;

    private readonly TemporaryFolder _folder = new("outbox-test");

    private string Folder => _folder.Combine("outbox");

    [Fact]
    public void Append_ThenPeekAndAcknowledge_GivesMessagesInOrder_ThenNothing()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(outbox.Append("t", Payload(i, 100), At(i), endsSession: i == 2));
        }

        Assert.Equal(5, outbox.Depth);
        for (var i = 0; i < 5; i++)
        {
            var message = outbox.Peek()!;
            Assert.Equal(Payload(i, 100), message.Payload.ToArray());
            outbox.Acknowledge(message);
        }

        Assert.Null(outbox.Peek());
        Assert.Equal(0, outbox.Depth);
        Assert.Equal(At(4), outbox.Checkpoint);
    }

    [Fact]
    public void Reopen_ResumesAfterTheLastAcknowledgedMessage_WithTheSavedCheckpoint()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            for (var i = 0; i < 6; i++)
            {
                outbox.Append("t", Payload(i, 100), At(i), endsSession: i % 2 == 1);
            }

            outbox.Acknowledge(outbox.Peek()!);
            outbox.Acknowledge(outbox.Peek()!);
            outbox.Acknowledge(outbox.Peek()!);
        }

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);

        Assert.Equal(3, reopened.Depth);
        Assert.Equal(At(5), reopened.Checkpoint);
        Assert.Equal(Payload(3, 100), reopened.Peek()!.Payload.ToArray());
    }

    [Fact]
    public void Reopen_AfterEverythingWasAcknowledged_KeepsTheCheckpoint_AndOnlyTheNewestSegment()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            for (var i = 0; i < 4; i++)
            {
                outbox.Append("t", Payload(i, 100), At(i), endsSession: true);
                outbox.Acknowledge(outbox.Peek()!);
            }
        }

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);

        Assert.Equal(0, reopened.Depth);
        Assert.Equal(At(3), reopened.Checkpoint);
        Assert.Single(Directory.GetFiles(Folder, "*" + DiskOutbox.SegmentExtension));
    }

    [Fact]
    public void Reopen_TornTailOfTheNewestSegment_IsCutOff_AndAppendingContinuesCleanly()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            outbox.Append("t", Payload(0, 100), At(0), endsSession: false);
            outbox.Append("t", Payload(1, 100), At(1), endsSession: false);
        }

        var segment = NewestSegment();
        var intact = new FileInfo(segment).Length;
        var torn = OutboxRecordFormat.Encode(new OutboxRecord(At(2), "t", Payload(2, 100)));
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write(torn, 0, torn.Length / 2);
        }

        using (var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            Assert.Equal(intact, new FileInfo(segment).Length);
            Assert.Equal(2, reopened.Depth);
            Assert.Equal(At(1), reopened.Checkpoint);
            reopened.Append("t", Payload(3, 100), At(3), endsSession: false);
        }

        using var again = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        Assert.Equal(3, again.Depth);
        Assert.Equal(At(3), again.Checkpoint);
    }

    [Fact]
    public void Reopen_CrcMismatchInTheNewestSegment_DropsThatRecordAndEverythingAfterIt()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            for (var i = 0; i < 3; i++)
            {
                outbox.Append("t", Payload(i, 100), At(i), endsSession: false);
            }
        }

        var segment = NewestSegment();
        var bytes = File.ReadAllBytes(segment);
        var recordLength = bytes.Length / 3;
        bytes[recordLength + recordLength - 1] ^= 0xff;
        File.WriteAllBytes(segment, bytes);

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);

        Assert.Equal(1, reopened.Depth);
        Assert.Equal(At(0), reopened.Checkpoint);
        Assert.Equal(recordLength, new FileInfo(segment).Length);
    }

    [Fact]
    public void Reopen_DamagedCursor_PublishesEveryStoredMessageAgain()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            outbox.Append("t", Payload(0, 100), At(0), endsSession: false);
            outbox.Append("t", Payload(1, 100), At(1), endsSession: false);
            outbox.Acknowledge(outbox.Peek()!);
        }

        File.WriteAllBytes(Path.Combine(Folder, OutboxCursor.FileName), [1, 2, 3]);

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        Assert.Equal(2, reopened.Depth);
    }

    [Fact]
    public void Append_BeyondTheCap_DropsTheOldestWholeSessions_AndCountsThem()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        const int perSession = 3;
        var sessions = 0;
        while (outbox.DroppedMessages == 0)
        {
            for (var i = 0; i < perSession; i++)
            {
                Assert.True(outbox.Append("t", Payload(sessions * perSession + i, 1000), At(sessions * perSession + i), endsSession: i == perSession - 1));
            }

            sessions++;
            Assert.True(sessions < 1000, "the cap never dropped anything");
        }

        Assert.True(outbox.Bytes <= Cap, $"{outbox.Bytes} bytes on disk, above the {Cap}-byte cap");
        Assert.True(DirectoryBytes() <= Cap);
        Assert.Equal(0, outbox.DroppedMessages % perSession);
        Assert.Equal(sessions * perSession, outbox.Depth + outbox.DroppedMessages);

        // What is left is the newest data, in order, starting at a session boundary.
        var first = outbox.Peek()!;
        Assert.Equal(Payload((int)outbox.DroppedMessages, 1000), first.Payload.ToArray());
    }

    [Fact]
    public void Append_MessageLargerThanTheCap_IsRefusedAndCounted_AndTheOutboxStaysUsable()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);

        Assert.False(outbox.Append("t", new byte[Cap], At(0), endsSession: false));
        Assert.Equal(1, outbox.DroppedMessages);
        Assert.True(outbox.Append("t", Payload(1, 10), At(1), endsSession: false));
        Assert.Equal(1, outbox.Depth);
    }

    [Fact]
    public void Acknowledge_MessageWhoseSegmentTheCapDroppedWhileInFlight_IsNotCountedAsLost()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        outbox.Append("t", Payload(0, 1000), At(0), endsSession: true);
        var inFlight = outbox.Peek()!;
        var i = 1;
        while (outbox.DroppedMessages == 0)
        {
            outbox.Append("t", Payload(i, 1000), At(i), endsSession: true);
            i++;
        }

        var dropped = outbox.DroppedMessages;
        outbox.Acknowledge(inFlight);

        Assert.Equal(dropped - 1, outbox.DroppedMessages);
        Assert.Equal(i - dropped, outbox.Depth);
    }

    [Fact]
    public void Open_CapBelowTheMinimum_IsRefusedNamingTheMinimum()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DiskOutbox.Open(Folder, 1000, NullLogger.Instance));
        Assert.Contains(DiskOutbox.MinMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public async Task WaitForMessage_ReturnsOnceSomethingIsAppended()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var waiting = outbox.WaitForMessageAsync(timeout.Token);
        Assert.False(waiting.IsCompleted);

        outbox.Append("t", Payload(0, 10), At(0), endsSession: false);

        await waiting;
    }

    public void Dispose() => _folder.Dispose();

    private static StreamCheckpoint At(int i) => new(7, (ulong)i + 1, i / 3, 1000L * (i + 1));

    private static byte[] Payload(int i, int length) => [.. Enumerable.Range(0, length).Select(k => (byte)(i * 31 + k))];

    private string NewestSegment() => Directory.GetFiles(Folder, "*" + DiskOutbox.SegmentExtension).Order().Last();

    private long DirectoryBytes() => Directory.GetFiles(Folder).Sum(f => new FileInfo(f).Length);
}
