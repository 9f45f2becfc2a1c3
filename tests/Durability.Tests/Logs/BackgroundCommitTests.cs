using System.Globalization;
using Pipeline.Durability.Logs;
using Pipeline.TestSupport;

namespace Pipeline.Durability.Tests.Logs;

public sealed class BackgroundCommitTests : SegmentedLogContract
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Append_CompletesOnlyAfterAnFsyncOfItsSegment()
    {
        using var log = Open();
        using var commit = new BackgroundCommit(log, "commit-test");
        var path = Naming.PathOf(Folder.Path, log.ActiveSegment!.Value);
        var descriptor = DescriptorOf(path);
        using var trace = await SyscallTrace.AttachAsync();

        var calls = await trace.CallsOfAsync(() => Assert.True(commit.Append(Frames.Of(Body(1, 100))).Durable.Wait(Patience)));

        Assert.NotEqual(-1, SyscallTrace.Fsynced(calls, descriptor, 0));
    }

    [Fact]
    public async Task AFailedFsync_FailsTheAppendsItShouldHaveCovered_CutsThemOff_AndTheNextAppendIsDurable()
    {
        var threadName = $"bc-{Guid.NewGuid():N}"[..15];
        byte[] kept = Body(1, 40), failed = Body(2, 50), later = Body(3, 60);
        using (var log = Open())
        using (var commit = new BackgroundCommit(log, threadName))
        {
            await commit.Append(Frames.Of(kept)).Durable.WaitAsync(Patience);
            var durableLength = new FileInfo(NewestFile()).Length;

            using (await FailingFsyncs.AttachAsync(threadName))
            {
                var error = await Assert.ThrowsAsync<IOException>(() => commit.Append(Frames.Of(failed)).Durable.WaitAsync(Patience));
                Assert.Contains("not durable", error.Message, StringComparison.Ordinal);
            }

            Assert.Equal(durableLength, new FileInfo(NewestFile()).Length);
            await commit.Append(Frames.Of(later)).Durable.WaitAsync(Patience);
        }

        var (recovered, cut) = Recover();
        Assert.Equal([kept, later], recovered);
        Assert.False(cut);
    }

    [Fact]
    public void Dispose_CommitsWhatWasAppended_BeforeTheThreadStops()
    {
        var bodies = Enumerable.Range(1, 20).Select(i => Body(i, 30 + i)).ToArray();
        Task[] durable;
        using (var log = Open())
        {
            using var commit = new BackgroundCommit(log, "commit-test");
            durable = [.. bodies.Select(b => commit.Append(Frames.Of(b)).Durable)];
        }

        Assert.All(durable, d => Assert.True(d.IsCompletedSuccessfully));
        Assert.Equal(bodies, Recover().Bodies);
    }

    protected override void AppendDurably(params byte[][] bodies)
    {
        using var log = Open();
        using var commit = new BackgroundCommit(log, "commit-test");
        Task.WaitAll([.. bodies.Select(b => commit.Append(Frames.Of(b)).Durable)], Patience);
    }

    private SegmentedLog Open() => SegmentedLog.Open(Folder.Path, Naming, Limits, (_, _, _) => null).Log;

    /// <summary>The descriptor this process holds open on <paramref name="path"/>.</summary>
    private static int DescriptorOf(string path) =>
        int.Parse(Directory.EnumerateFileSystemEntries("/proc/self/fd").Single(link => TargetOf(link) == path).Split('/')[^1], CultureInfo.InvariantCulture);

    /// <summary>Where a descriptor's link points; null for one closed while the descriptors were listed (other tests run meanwhile).</summary>
    private static string? TargetOf(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
