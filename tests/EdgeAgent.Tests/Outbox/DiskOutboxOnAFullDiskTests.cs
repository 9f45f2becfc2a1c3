using Pipeline.EdgeAgent.Outbox;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>
/// The outbox on a small tmpfs it fills for real (ENOSPC from the kernel), under a cap far above the disk's size, so
/// the disk runs out before the cap's drop-the-oldest policy ever applies.
/// </summary>
public sealed class DiskOutboxOnAFullDiskTests : IDisposable
{
    private const long Cap = 256L * 1024 * 1024;
    private const int DiskKibibytes = 128;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TmpfsMount _disk = TmpfsMount.Create(DiskKibibytes);
    private readonly RecordingLogger _log = new();

    private string Folder => Path.Combine(_disk.Path, "outbox");

    [Fact]
    public void Append_OnAFullDisk_ThrowsTheNoSpaceError_AndLeavesNoPartOfTheRecordBehind()
    {
        // Records larger than a segment of this disk (1/8 of it): each starts a segment (one page for its first record),
        // so the disk runs out in the middle of a record, not while a segment is cut.
        const int large = 20_000;
        var small = new byte[] { 1, 2, 3 };
        var appended = 0;
        using (var outbox = DiskOutbox.Open(Folder, Cap, _log))
        {
            void AppendUntilRefused()
            {
                while (true)
                {
                    outbox.Append("t", Payload(appended, large), At(appended), endsSession: false);
                    appended++;
                }
            }

            var error = Assert.ThrowsAny<IOException>(AppendUntilRefused);
            Assert.True(DiskOutbox.IsDiskFull(error), $"not a full disk: {error.Message} (HResult {error.HResult})");
            Assert.Equal(appended, outbox.Depth);

            // A much smaller record goes where the refused one began, then the segment is cut: had part of the refused
            // record stayed on disk, its remains would follow this one inside a finished segment.
            _disk.Grow(kibibytes: 4 * DiskKibibytes);
            Assert.True(outbox.Append("t", small, At(appended), endsSession: true));
        }

        using var reopened = DiskOutbox.Open(Folder, Cap, _log);
        Assert.Equal(appended + 1, reopened.Depth);
        reopened.SyncToDisk();
        var messages = reopened.TakeDurable(int.MaxValue);
        Assert.Equal([.. Enumerable.Range(0, appended).Select(i => Payload(i, large)), small], messages.Select(m => m.Payload.ToArray()));
        Assert.DoesNotContain(_log.Messages, m => m.Contains("damaged", StringComparison.Ordinal) || m.Contains("torn", StringComparison.Ordinal) || m.Contains("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AppendAsync_OnADiskTheOutboxFilled_WaitsUntilAcknowledgedSegmentsAreDeleted_DroppingNothing()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, _log);

        // One long session, never cut at a session's end: only segments sized to the disk let acknowledgements make room.
        var (appended, waiting) = await AppendUntilTheDiskIsFullAsync(outbox);
        Assert.Contains(_log.Messages, m => m.Contains(Folder, StringComparison.Ordinal) && m.Contains("no space left on device", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(appended, outbox.Depth);

        // The broker takes everything stored, with the disk still full (the cursor too has no room yet).
        outbox.SyncToDisk();
        var published = outbox.TakeDurable(int.MaxValue);
        outbox.Acknowledge(published);

        Assert.True(await waiting.WaitAsync(Patience), "the waiting message was dropped");
        Assert.Equal(0, outbox.DroppedMessages);
        Assert.Contains(_log.Messages, m => m.Contains(Folder, StringComparison.Ordinal) && m.Contains("appending resumes", StringComparison.Ordinal));
        outbox.SyncToDisk();
        Assert.Equal([.. Enumerable.Range(0, appended + 1).Select(i => Payload(i))], published.Concat(outbox.TakeDurable(int.MaxValue)).Select(m => m.Payload.ToArray()));
    }

    [Fact]
    public async Task AppendAsync_OnADiskSomethingElseFilled_ResumesOnceTheDiskHasRoomAgain()
    {
        using var outbox = DiskOutbox.Open(Folder, Cap, _log);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await outbox.AppendAsync("t", Payload(i), At(i), endsSession: false, CancellationToken.None));
        }

        FillWithBallast(Path.Combine(_disk.Path, "ballast"));
        var waiting = outbox.AppendAsync("t", Payload(3), At(3), endsSession: false, CancellationToken.None);
        await Eventually.TrueAsync(() => waiting.IsCompleted || _log.Messages.Any(m => m.Contains("no space left on device", StringComparison.OrdinalIgnoreCase)), Patience, "the append finds the disk full");
        Assert.False(waiting.IsCompleted, "the append completed on a full disk");

        _disk.Grow(kibibytes: 4 * DiskKibibytes);

        Assert.True(await waiting.WaitAsync(Patience));
        outbox.SyncToDisk();
        Assert.Equal([.. Enumerable.Range(0, 4).Select(i => Payload(i))], outbox.TakeDurable(int.MaxValue).Select(m => m.Payload.ToArray()));
        Assert.Equal(0, outbox.DroppedMessages);
    }

    public void Dispose() => _disk.Dispose();

    /// <summary>Appends until one append waits for room; returns how many were stored and the waiting one.</summary>
    private static async Task<(int Appended, Task<bool> Waiting)> AppendUntilTheDiskIsFullAsync(DiskOutbox outbox)
    {
        for (var i = 0; ; i++)
        {
            var append = outbox.AppendAsync("t", Payload(i), At(i), endsSession: false, CancellationToken.None);
            if (!append.IsCompleted)
            {
                return (i, append);
            }

            Assert.True(await append);
        }
    }

    private static void FillWithBallast(string path)
    {
        using var ballast = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                ballast.Write(chunk);
            }
        }
        catch (IOException e) when (DiskOutbox.IsDiskFull(e))
        {
            // Full: that was the point.
        }
    }

    private static StreamCheckpoint At(int i) => new(7, (ulong)i + 1, 0, 1000L * (i + 1));

    private static byte[] Payload(int i) => Payload(i, 1000);

    private static byte[] Payload(int i, int length) => [.. Enumerable.Range(0, length).Select(k => (byte)(i * 31 + k))];
}
