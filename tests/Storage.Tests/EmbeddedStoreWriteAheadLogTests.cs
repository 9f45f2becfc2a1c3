using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using static Pipeline.Storage.Tests.TelemetrySamples;

namespace Pipeline.Storage.Tests;

/// <summary>
/// Crashes of the embedded store's motion write path. A crash is simulated by copying the store's folder while the
/// writer still has it open (what a crash leaves, had the page cache reached the disk), then taking from the copy what
/// an fsync had not yet guaranteed, and opening the copy.
/// </summary>
public sealed class EmbeddedStoreWriteAheadLogTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly TemporaryFolder _folder = new("store-wal-test");
    private readonly TemporaryFolder _crashed = new("store-wal-crashed");

    public void Dispose()
    {
        _folder.Dispose();
        _crashed.Dispose();
    }

    [Fact]
    public async Task Reopen_AfterACrashLostTheDeviceLogsUnsyncedTails_ReplaysEveryAcknowledgedBatch()
    {
        var first = Enumerable.Range(0, 6).Select(i => Motion($"club-{i % 3}", (ulong)(i / 3), T0 + (i / 3) * 4000)).ToList();
        var second = Enumerable.Range(6, 6).Select(i => Motion($"club-{i % 3}", (ulong)(i / 3), T0 + (i / 3) * 4000)).ToList();
        await using (var store = EmbeddedTelemetryStore.Open(_folder.Path))
        {
            Assert.Equal(6, await store.WriteMotionAsync(first, None));
            Assert.Equal(6, await store.WriteMotionAsync(second, None));
            CrashCopy();
        }

        // The device logs were never fsync'd: one lost everything, one half of its last record, one only its folder entry.
        File.WriteAllBytes(CrashedMotionLog("club-0"), []);
        using (var file = new FileStream(CrashedMotionLog("club-1"), FileMode.Open))
        {
            file.SetLength(file.Length - 40);
        }

        Directory.Delete(Path.Combine(_crashed.Path, "series", "club-2"), recursive: true);

        await using var reopened = EmbeddedTelemetryStore.Open(_crashed.Path);
        Assert.Equal(new StoreCounts(12, 48, 0, 0), await reopened.CountAsync(None));
        for (var d = 0; d < 3; d++)
        {
            var device = $"club-{d}";
            Assert.Equal(first.Concat(second).Where(b => b.DeviceId == device).SelectMany(b => b.Samples), (await reopened.ReadMotionAsync(device, T0, long.MaxValue, None)).Samples);
        }

        Assert.Empty(WalSegments(_crashed.Path));
    }

    [Fact]
    public async Task Reopen_AfterATornWriteAheadLogTail_CutsItAndKeepsTheWritesBeforeIt()
    {
        await using (var store = EmbeddedTelemetryStore.Open(_folder.Path))
        {
            Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 1, T0)], None));
            Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 2, T0 + 4000)], None));
            CrashCopy();
        }

        // The crash hit during the second write's fsync: half its record reached the write-ahead log, none the device log.
        var segment = Assert.Single(WalSegments(_crashed.Path));
        var secondRecord = 8 + 1 + "club-1".Length + SeriesRecordCodec.MotionBodyLength(Motion("club-1", 2, T0 + 4000));
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - secondRecord / 2);
        }

        File.WriteAllBytes(CrashedMotionLog("club-1"), []);

        await using (var reopened = EmbeddedTelemetryStore.Open(_crashed.Path))
        {
            Assert.Equal(new StoreCounts(1, 4, 0, 0), await reopened.CountAsync(None));
            Assert.Equal(1, await reopened.WriteMotionAsync([Motion("club-1", 2, T0 + 4000)], None));
        }

        await using var again = EmbeddedTelemetryStore.Open(_crashed.Path);
        Assert.Equal(new StoreCounts(2, 8, 0, 0), await again.CountAsync(None));
    }

    [Fact]
    public async Task Reopen_TwiceAfterACrash_ReplaysWithoutDuplicates()
    {
        var batches = Enumerable.Range(0, 8).Select(i => Motion($"club-{i % 2}", (ulong)(i / 2), T0 + (i / 2) * 4000)).ToList();
        await using (var store = EmbeddedTelemetryStore.Open(_folder.Path))
        {
            Assert.Equal(8, await store.WriteMotionAsync(batches, None));
            CrashCopy();
        }

        // Both the device logs and the write-ahead log hold every batch: the replay must add none of them again.
        var logLength = new FileInfo(CrashedMotionLog("club-0")).Length;
        Assert.NotEmpty(WalSegments(_crashed.Path));
        for (var open = 0; open < 2; open++)
        {
            await using var reopened = EmbeddedTelemetryStore.Open(_crashed.Path);
            Assert.Equal(new StoreCounts(8, 32, 0, 0), await reopened.CountAsync(None));
            Assert.Equal(batches.Where(b => b.DeviceId == "club-0").SelectMany(b => b.Samples), (await reopened.ReadMotionAsync("club-0", T0, long.MaxValue, None)).Samples);
        }

        Assert.Equal(logLength, new FileInfo(CrashedMotionLog("club-0")).Length);
    }

    [Fact]
    public async Task Checkpoint_DropsTheWriteAheadLogOnlyOnceTheDeviceLogsHoldItsRecordsDurably()
    {
        await using var store = EmbeddedTelemetryStore.Open(_folder.Path, logger: null, checkpointBytes: 1);

        Assert.Equal(2, await store.WriteMotionAsync([Motion("club-1", 1, T0), Motion("club-2", 1, T0)], None));

        // The checkpoint runs alongside later writes. Once its segments are gone, the device logs' commits (their fsyncs,
        // the only thing that moves a log's committed length) cover every byte appended, so a crash then loses nothing.
        await Eventually.TrueAsync(() => WalSegments(_folder.Path).Length == 0, TimeSpan.FromSeconds(30), "the checkpoint deletes the write-ahead segments");
        Assert.Equal(0, store.UnsyncedMotionBytes);

        CrashCopy();
        await using var reopened = EmbeddedTelemetryStore.Open(_crashed.Path);
        Assert.Equal(new StoreCounts(2, 8, 0, 0), await reopened.CountAsync(None));
    }

    [Fact]
    public async Task WriteMotion_BelowTheCheckpointSize_KeepsTheWriteAheadLogUntilDispose()
    {
        await using (var store = EmbeddedTelemetryStore.Open(_folder.Path))
        {
            Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 1, T0)], None));
            Assert.Single(WalSegments(_folder.Path));
            Assert.True(store.UnsyncedMotionBytes > 0);
        }

        Assert.Empty(WalSegments(_folder.Path));
        await using var reopened = EmbeddedTelemetryStore.Open(_folder.Path);
        Assert.Equal(new StoreCounts(1, 4, 0, 0), await reopened.CountAsync(None));
    }

    [Fact]
    public async Task WriteMotion_ADuplicateOfAWriteStillOnItsWay_IsStoredOnce()
    {
        await using var store = EmbeddedTelemetryStore.Open(_folder.Path);
        var batch = Motion("club-1", 1, T0);

        // The second write finds the batch's key held by the first, whose fsync may still run: it waits for that outcome
        // rather than counting the batch as stored, and stores nothing twice.
        var stored = await Task.WhenAll(store.WriteMotionAsync([batch], None).AsTask(), store.WriteMotionAsync([batch, Motion("club-1", 2, T0 + 4000)], None).AsTask());

        Assert.Equal(2, stored.Sum());
        Assert.Equal(new StoreCounts(2, 8, 0, 0), await store.CountAsync(None));
        Assert.Equal(new[] { batch, Motion("club-1", 2, T0 + 4000) }.SelectMany(b => b.Samples), (await store.ReadMotionAsync("club-1", T0, long.MaxValue, None)).Samples);
    }

    [Fact]
    public async Task WriteMotion_ConcurrentWritesWhileCheckpointsRun_StoreEveryBatchOnce_AndReopenWithThemAll()
    {
        const int writers = 8, perWriter = 25;
        var batches = Enumerable.Range(0, writers * perWriter).Select(i => Motion($"club-{i % 5}", (ulong)i, T0 + i * 4000L)).ToList();
        await using (var store = EmbeddedTelemetryStore.Open(_folder.Path, logger: null, checkpointBytes: 2048))
        {
            var stored = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var count = 0;
                for (var i = w; i < batches.Count; i += writers)
                {
                    // Each batch twice, from two writers, as a redelivery would.
                    count += await store.WriteMotionAsync([batches[i], batches[(i + 1) % batches.Count]], None);
                }

                return count;
            })));

            Assert.Equal(batches.Count, stored.Sum());
            Assert.Equal(new StoreCounts(batches.Count, batches.Count * 4, 0, 0), await store.CountAsync(None));
        }

        await using var reopened = EmbeddedTelemetryStore.Open(_folder.Path);
        Assert.Equal(new StoreCounts(batches.Count, batches.Count * 4, 0, 0), await reopened.CountAsync(None));
        for (var d = 0; d < 5; d++)
        {
            Assert.Equal(batches.Where(b => b.DeviceId == $"club-{d}").SelectMany(b => b.Samples), (await reopened.ReadMotionAsync($"club-{d}", T0, long.MaxValue, None)).Samples);
        }
    }

    private void CrashCopy()
    {
        // The writer's lock dies with the crashed process; the copy is opened as a fresh start would open it.
        foreach (var file in Directory.EnumerateFiles(_folder.Path, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "writer.lock"))
        {
            var target = Path.Combine(_crashed.Path, Path.GetRelativePath(_folder.Path, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private string CrashedMotionLog(string device) => Path.Combine(_crashed.Path, "series", device, "motion.log");

    private static string[] WalSegments(string root)
    {
        var folder = Path.Combine(root, MotionWriteAheadLog.FolderName);
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "wal-*.seg") : [];
    }
}
