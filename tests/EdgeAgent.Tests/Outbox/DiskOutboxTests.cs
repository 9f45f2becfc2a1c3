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
    public void Append_ThenTakeAndAcknowledge_GivesMessagesInOrder_ThenNothing()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(outbox.Append("t", Payload(i, 100), At(i), endsSession: i == 2));
        }

        Assert.Equal(5, outbox.Depth);
        for (var i = 0; i < 5; i++)
        {
            var message = Next(outbox);
            Assert.Equal(Payload(i, 100), message.Payload.ToArray());
            outbox.Acknowledge([message]);
        }

        Assert.Empty(outbox.TakeDurable(1));
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

            outbox.Acknowledge([Next(outbox)]);
            outbox.Acknowledge([Next(outbox)]);
            outbox.Acknowledge([Next(outbox)]);
        }

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);

        Assert.Equal(3, reopened.Depth);
        Assert.Equal(At(5), reopened.Checkpoint);
        Assert.Equal(Payload(3, 100), Next(reopened).Payload.ToArray());
    }

    [Fact]
    public void Reopen_AfterEverythingWasAcknowledged_KeepsTheCheckpoint_AndOnlyTheNewestSegment()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            for (var i = 0; i < 4; i++)
            {
                outbox.Append("t", Payload(i, 100), At(i), endsSession: true);
                outbox.Acknowledge([Next(outbox)]);
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
            outbox.Acknowledge([Next(outbox)]);
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
        var first = Next(outbox);
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
        var inFlight = Next(outbox);
        var i = 1;
        while (outbox.DroppedMessages == 0)
        {
            outbox.Append("t", Payload(i, 1000), At(i), endsSession: true);
            i++;
        }

        var dropped = outbox.DroppedMessages;
        outbox.Acknowledge([inFlight]);

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
    public async Task WaitForDurable_ReturnsOnceTheSyncerHasFsyncedAnAppend()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var waiting = outbox.WaitForDurableAsync(timeout.Token);
        var syncing = outbox.KeepSyncingAsync(stop.Token);
        Assert.False(waiting.IsCompleted);

        outbox.Append("t", Payload(0, 10), At(0), endsSession: false);

        await waiting;
        Assert.Equal(Payload(0, 10), Assert.Single(outbox.TakeDurable(10)).Payload.ToArray());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => syncing);
    }

    [Fact]
    public void TakeDurable_HandsOutOnlyFsyncedMessages_AndOneSyncCoversEveryAppendBeforeIt()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        for (var i = 0; i < 5; i++)
        {
            outbox.Append("t", Payload(i, 100), At(i), endsSession: false);
        }

        Assert.Empty(outbox.TakeDurable(10));
        Assert.Equal(5, outbox.Depth);

        outbox.SyncToDisk();
        outbox.Append("t", Payload(5, 100), At(5), endsSession: false);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => Payload(i, 100)), outbox.TakeDurable(10).Select(m => m.Payload.ToArray()));
        Assert.Equal(6, outbox.Depth);
    }

    [Fact]
    public void CrashBetweenAppendAndSync_LosesOnlyTheUnsyncedMessages_WhichWereNeverHandedOut_AndTheStreamContinuesFromTheLastSyncedOne()
    {
        long syncedLength;
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            for (var i = 0; i < 3; i++)
            {
                outbox.Append("t", Payload(i, 100), At(i), endsSession: false);
            }

            outbox.SyncToDisk();
            syncedLength = new FileInfo(NewestSegment()).Length;
            Assert.Equal(3, outbox.TakeDurable(10).Count);
            outbox.Append("t", Payload(3, 100), At(3), endsSession: false);
            outbox.Append("t", Payload(4, 100), At(4), endsSession: false);
            Assert.Empty(outbox.TakeDurable(10));
        }

        // The worst a power loss can leave: the fsync'd prefix and part of what came after it.
        using (var file = new FileStream(NewestSegment(), FileMode.Open))
        {
            file.SetLength(syncedLength + 50);
        }

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);

        Assert.Equal(3, reopened.Depth);
        Assert.Equal(At(2), reopened.Checkpoint);
        Assert.Equal(syncedLength, new FileInfo(NewestSegment()).Length);
        Assert.Equal(Enumerable.Range(0, 3).Select(i => Payload(i, 100)), reopened.TakeDurable(10).Select(m => m.Payload.ToArray()));
    }

    [Fact]
    public void TakeDurable_MessagesLargerTogetherThanOneRead_ComeBackWhole_AndInOrder()
    {
        using var outbox = DiskOutbox.Open(Folder, 64L * 1024 * 1024, NullLogger.Instance);
        const int size = DiskOutbox.MaxReadBytes / 2 + 1000;
        for (var i = 0; i < 5; i++)
        {
            outbox.Append("t", Payload(i, i == 3 ? 2 * DiskOutbox.MaxReadBytes : size), At(i), endsSession: i == 1);
        }

        outbox.SyncToDisk();
        var taken = outbox.TakeDurable(10);

        Assert.Equal([Payload(0, size), Payload(1, size), Payload(2, size), Payload(3, 2 * DiskOutbox.MaxReadBytes), Payload(4, size)], taken.Select(m => m.Payload.ToArray()));
        outbox.Acknowledge(taken);
        Assert.Equal(0, outbox.Depth);
    }

    [Fact]
    public void Acknowledge_SeveralInOrder_WritesTheCursorAfterTheLast()
    {
        using (var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance))
        {
            for (var i = 0; i < 5; i++)
            {
                outbox.Append("t", Payload(i, 100), At(i), endsSession: false);
            }

            outbox.SyncToDisk();
            var taken = outbox.TakeDurable(4);
            outbox.Acknowledge([taken[0], taken[1], taken[2]]);
            Assert.Equal(2, outbox.Depth);
        }

        using var reopened = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        Assert.Equal(2, reopened.Depth);
        Assert.Equal(Payload(3, 100), Next(reopened).Payload.ToArray());
    }

    [Fact]
    public void Acknowledge_OutOfOrder_IsRefusedNamingTheRule_AndNothingIsRemoved()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        outbox.Append("t", Payload(0, 100), At(0), endsSession: false);
        outbox.Append("t", Payload(1, 100), At(1), endsSession: false);
        outbox.SyncToDisk();
        var taken = outbox.TakeDurable(2);

        var e = Assert.Throws<InvalidOperationException>(() => outbox.Acknowledge([taken[1]]));

        Assert.Contains("out of order", e.Message);
        Assert.Equal(2, outbox.Depth);
    }

    [Fact]
    public void ReleaseInFlight_HandsTheUnacknowledgedMessagesOutAgain_InOrder()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, NullLogger.Instance);
        for (var i = 0; i < 3; i++)
        {
            outbox.Append("t", Payload(i, 100), At(i), endsSession: false);
        }

        outbox.SyncToDisk();
        Assert.Equal(2, outbox.TakeDurable(2).Count);

        outbox.ReleaseInFlight();

        Assert.Equal(Enumerable.Range(0, 3).Select(i => Payload(i, 100)), outbox.TakeDurable(10).Select(m => m.Payload.ToArray()));
    }

    public void Dispose() => _folder.Dispose();

    private static StreamCheckpoint At(int i) => new(7, (ulong)i + 1, i / 3, 1000L * (i + 1));

    private static OutboxMessage Next(DiskOutbox outbox)
    {
        outbox.SyncToDisk();
        return Assert.Single(outbox.TakeDurable(1));
    }

    private static byte[] Payload(int i, int length) => [.. Enumerable.Range(0, length).Select(k => (byte)(i * 31 + k))];

    private string NewestSegment() => Directory.GetFiles(Folder, "*" + DiskOutbox.SegmentExtension).Order().Last();

    private long DirectoryBytes() => Directory.GetFiles(Folder).Sum(f => new FileInfo(f).Length);
}
