using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using static Pipeline.Storage.Tests.TelemetrySamples;

namespace Pipeline.Storage.Tests;

public sealed class EmbeddedTelemetryStoreTests : TelemetryStoreContract, IDisposable
{
    private readonly TemporaryFolder _folder = new("store-test");

    protected override ValueTask<ITelemetryStore> OpenStoreAsync() => ValueTask.FromResult<ITelemetryStore>(EmbeddedTelemetryStore.Open(_folder.Path));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Reopen_AfterATornTailRecord_DropsOnlyThatRecordAndKeepsWriting()
    {
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteMotionAsync([Motion("club-1", 1, T0), Motion("club-1", 2, T0 + 4000)], None);
        }

        var log = _folder.Combine("series", "club-1", "motion.log");
        var whole = new FileInfo(log).Length;
        var last = SecondRecordLength(log);
        using (var file = new FileStream(log, FileMode.Open))
        {
            // A crash mid-append: only part of the second record reached the disk.
            file.SetLength(whole - last / 2);
        }

        await using (var store = await OpenStoreAsync())
        {
            Assert.Equal(new StoreCounts(1, 4, 0, 0), await store.CountAsync(None));
            Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 2, T0 + 4000)], None));
            Assert.Equal(1, await store.WriteMotionAsync([Motion("club-1", 3, T0 + 8000)], None));
        }

        await using var reopened = await OpenStoreAsync();
        Assert.Equal(12, (await reopened.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Count);
        Assert.Single(Directory.GetFiles(_folder.Combine("series", "club-1"), "motion.log.torn-*"));
    }

    [Fact]
    public async Task WriteMotion_ForManyDevicesAtOnce_CommitsEveryDevicesLogAndReadsBackAfterReopen()
    {
        // One write spanning 12 devices goes out as one group commit (every log written, then all fsynced together).
        var batches = Enumerable.Range(0, 48).Select(i => Motion($"club-{i % 12}", (ulong)(i / 12), T0 + (i / 12) * 4000)).ToList();
        await using (var store = await OpenStoreAsync())
        {
            Assert.Equal(48, await store.WriteMotionAsync(batches, None));
            Assert.Equal(0, await store.WriteMotionAsync(batches, None));
        }

        await using var reopened = await OpenStoreAsync();
        Assert.Equal(new StoreCounts(48, 48 * 4, 0, 0), await reopened.CountAsync(None));
        for (var d = 0; d < 12; d++)
        {
            var device = $"club-{d}";
            Assert.Equal(batches.Where(b => b.DeviceId == device).SelectMany(b => b.Samples), (await reopened.ReadMotionAsync(device, T0, long.MaxValue, None)).Samples);
        }
    }

    [Fact]
    public async Task Reopen_AfterACorruptedTailChecksum_DropsThatRecord()
    {
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None);
            await store.WriteLabelAsync(SwingLabel("club-1", "s2", T0 + 10), None);
        }

        var log = _folder.Combine("labels.log");
        var bytes = await File.ReadAllBytesAsync(log);
        bytes[^3] ^= 0xFF;
        await File.WriteAllBytesAsync(log, bytes);

        await using var reopened = await OpenStoreAsync();
        Assert.Equal(["s1"], (await reopened.ReadLabelsAsync(LearningTasks.Swing, None)).Select(l => l.SessionId));
        Assert.True(await reopened.WriteLabelAsync(SwingLabel("club-1", "s2", T0 + 10), None));
    }

    [Theory]
    [Trait("Category", "Faults")]
    [InlineData(AppendOnlyLogTestOffsets.Body)]
    [InlineData(AppendOnlyLogTestOffsets.LengthField)]
    public async Task Reopen_AfterACorruptRecordInTheMiddleOfALog_KeepsEveryValidRecordAroundIt(int where)
    {
        await using (var store = await OpenStoreAsync())
        {
            // Three writes, three records in the device's motion log.
            for (var i = 0; i < 3; i++)
            {
                await store.WriteMotionAsync([Motion("club-1", (ulong)i, T0 + (i * 4000))], None);
            }
        }

        var log = _folder.Combine("series", "club-1", "motion.log");
        var bytes = await File.ReadAllBytesAsync(log);
        var recordLength = bytes.Length / 3;
        bytes[recordLength + (where == AppendOnlyLogTestOffsets.Body ? recordLength / 2 : 1)] ^= 0x5A;
        await File.WriteAllBytesAsync(log, bytes);

        await using var reopened = await OpenStoreAsync();
        var series = await reopened.ReadMotionAsync("club-1", T0, long.MaxValue, None);

        // The first and third batches: every sample but the corrupted record's own.
        Assert.Equal([T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 8000, T0 + 9000, T0 + 10000, T0 + 11000], series.TimestampsMicros);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(log)!, "motion.log.corrupt-*"));
        Assert.Equal(1, await reopened.WriteMotionAsync([Motion("club-1", 1, T0 + 4000)], None));
        Assert.Equal(12, (await reopened.ReadMotionAsync("club-1", T0, long.MaxValue, None)).Count);
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task ReadFrames_WithOneCorruptBlob_ReturnsEveryOtherFrame()
    {
        await using var store = await OpenStoreAsync();
        await store.WriteFramesAsync([Frame("scope-1", 1, T0, 4), Frame("scope-1", 2, T0 + 1000, 5), Frame("scope-1", 3, T0 + 2000, 6)], None);
        var blob = Directory.EnumerateFiles(_folder.Combine("blobs"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(blob);
        bytes[0] ^= 0xFF;
        await File.WriteAllBytesAsync(blob, bytes);

        var frames = await store.ReadFramesAsync("scope-1", T0, long.MaxValue, None);

        Assert.Equal(2, frames.Count);
    }

    [Fact]
    public async Task OpenReadOnly_SeesWhatTheWriterAppendsAfterwards()
    {
        await using var writer = EmbeddedTelemetryStore.Open(_folder.Path);
        await writer.WriteMotionAsync([Motion("club-1", 1, T0)], None);
        await using var reader = EmbeddedTelemetryStore.OpenReadOnly(_folder.Path);
        Assert.Equal(4, (await reader.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Count);

        await writer.WriteMotionAsync([Motion("club-1", 2, T0 + 4000), Motion("club-2", 1, T0)], None);
        await writer.WriteFramesAsync([Frame("scope-1", 1, T0, 4)], None);
        await writer.WriteLabelAsync(SwingLabel("club-1", "s1", T0), None);

        Assert.Equal(8, (await reader.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Count);
        Assert.Equal(4, (await reader.ReadMotionAsync("club-2", T0, T0 + 1_000_000, None)).Count);
        Assert.Single(await reader.ReadFramesAsync("scope-1", T0, T0 + 1, None));
        Assert.Single(await reader.ReadLabelsAsync(LearningTasks.Swing, None));
        Assert.Equal(new StoreCounts(3, 12, 1, 1), await reader.CountAsync(None));
    }

    [Fact]
    public async Task OpenReadOnly_DoesNotSeeAHalfWrittenRecordUntilItIsWhole()
    {
        await using (var writer = EmbeddedTelemetryStore.Open(_folder.Path))
        {
            await writer.WriteMotionAsync([Motion("club-1", 1, T0), Motion("club-1", 2, T0 + 4000)], None);
        }

        var log = _folder.Combine("series", "club-1", "motion.log");
        var whole = await File.ReadAllBytesAsync(log);
        await File.WriteAllBytesAsync(log, whole[..^10]);
        await using var reader = EmbeddedTelemetryStore.OpenReadOnly(_folder.Path);
        Assert.Equal(4, (await reader.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Count);

        await using (var append = new FileStream(log, FileMode.Append))
        {
            await append.WriteAsync(whole.AsMemory(whole.Length - 10));
        }

        Assert.Equal(8, (await reader.ReadMotionAsync("club-1", T0, T0 + 1_000_000, None)).Count);
    }

    [Fact]
    public async Task OpenReadOnly_RefusesWrites()
    {
        await using (var writer = EmbeddedTelemetryStore.Open(_folder.Path))
        {
            await writer.WriteMotionAsync([Motion("club-1", 1, T0)], None);
        }

        await using var reader = EmbeddedTelemetryStore.OpenReadOnly(_folder.Path);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => reader.WriteMotionAsync([Motion("club-1", 2, T0 + 4000)], None).AsTask());
        Assert.Contains("read-only", error.Message);
    }

    [Fact]
    public void OpenReadOnly_WhereNoStoreExists_NamesTheFolder()
    {
        var missing = _folder.Combine("nothing-here");

        var error = Assert.Throws<DirectoryNotFoundException>(() => EmbeddedTelemetryStore.OpenReadOnly(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public async Task Open_WhileAnotherWriterHoldsTheStore_FailsWithAClearMessage()
    {
        await using var first = EmbeddedTelemetryStore.Open(_folder.Path);

        var error = Assert.Throws<IOException>(() => EmbeddedTelemetryStore.Open(_folder.Path));

        Assert.Contains("already open for writing", error.Message);
    }

    [Fact]
    public async Task WriteFrames_IdenticalPixels_ShareOneBlob()
    {
        await using var store = await OpenStoreAsync();

        await store.WriteFramesAsync([Frame("scope-1", 1, T0, seed: 7), Frame("scope-1", 2, T0 + 10, seed: 7), Frame("scope-2", 1, T0, seed: 7)], None);
        await store.WriteFramesAsync([Frame("scope-1", 3, T0 + 20, seed: 8)], None);

        Assert.Equal(2, Directory.GetFiles(_folder.Combine("blobs"), "*", SearchOption.AllDirectories).Length);
        Assert.Equal(4, (await store.CountAsync(None)).Frames);
    }

    [Fact]
    public async Task ReadMotion_WhileAnotherThreadWrites_AlwaysSeesWholeBatchesInOrder()
    {
        await using var store = await OpenStoreAsync();
        var writer = Task.Run(async () =>
        {
            for (ulong sequence = 0; sequence < 200; sequence++)
            {
                await store.WriteMotionAsync([Motion("club-1", sequence, T0 + (long)sequence * 4000)], None);
            }
        });

        while (!writer.IsCompleted)
        {
            var series = await store.ReadMotionAsync("club-1", T0, long.MaxValue, None);
            Assert.Equal(0, series.Count % 4);
            Assert.Equal(Enumerable.Range(0, series.Count).Select(i => T0 + i * SampleMicros), series.TimestampsMicros);
        }

        await writer;
        Assert.Equal(800, (await store.ReadMotionAsync("club-1", T0, long.MaxValue, None)).Count);
    }

    [Fact]
    public async Task WriteMotion_InvalidDeviceId_IsRefusedBeforeAnythingIsWritten()
    {
        await using var store = await OpenStoreAsync();

        var error = await Assert.ThrowsAsync<InvalidTelemetryException>(() => store.WriteMotionAsync([Motion("club-1", 1, T0), Motion("../escape", 1, T0)], None).AsTask());

        Assert.Contains("../escape", error.Message);

        Assert.Equal(new StoreCounts(0, 0, 0, 0), await store.CountAsync(None));
    }

    [Fact]
    public async Task Reopen_AfterATornRecordLogTail_DropsOnlyThatRecordKeepsItsBytesAndTakesItAgain()
    {
        var first = Record("band-1", 1, T0);
        var second = Record("band-1", 2, T0 + 100);
        await using (var store = await OpenStoreAsync())
        {
            Assert.Equal(2, await store.WriteRecordsAsync([first, second], None));
        }

        var log = _folder.Combine("series", "band-1", "records-gait.log");
        var whole = new FileInfo(log).Length;
        using (var file = new FileStream(log, FileMode.Open))
        {
            // A crash mid-append: only part of the second record reached the disk.
            file.SetLength(whole - SecondRecordLength(log) / 2);
        }

        await using var reopened = await OpenStoreAsync();

        AssertSameRecords([first], await reopened.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None));
        Assert.Single(Directory.GetFiles(_folder.Combine("series", "band-1"), "records-gait.log.torn-*"));
        Assert.Equal(1, await reopened.WriteRecordsAsync([first, second], None));
        AssertSameRecords([first, second], await reopened.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None));
        Assert.Equal(2, (await reopened.CountAsync(None)).Records);
    }

    [Fact]
    public async Task OpenReadOnly_SeesRecordsOfNewKindsAndDevicesTheWriterAppendsAfterwards()
    {
        await using var writer = EmbeddedTelemetryStore.Open(_folder.Path);
        await writer.WriteRecordsAsync([Record("band-1", 1, T0)], None);
        await using var reader = EmbeddedTelemetryStore.OpenReadOnly(_folder.Path);
        Assert.Single(await reader.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None));

        var later = Record("band-1", 2, T0 + 100);
        var newKind = Record("band-1", 1, T0, kind: "heart");
        var newDevice = Record("band-2", 1, T0);
        await writer.WriteRecordsAsync([later, newKind, newDevice], None);

        AssertSameRecords([Record("band-1", 1, T0), later], await reader.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1000, None));
        AssertSameRecords([newKind], await reader.ReadRecordsAsync("heart", "band-1", T0, T0 + 1000, None));
        AssertSameRecords([newDevice], await reader.ReadRecordsAsync(Gait, "band-2", T0, T0 + 1000, None));
        Assert.Equal(new StoreCounts(0, 0, 0, 0, 4), await reader.CountAsync(None));
        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.WriteRecordsAsync([Record("band-3", 1, T0)], None).AsTask());
    }

    [Fact]
    public async Task ReadRecords_SameMicrosecondOnOneStream_ComeBackBySequence()
    {
        // InfluxDB would keep one point of the two (same series, same time); a file keeps both.
        await using var store = await OpenStoreAsync();
        var nine = Record("band-1", 9, T0);
        var four = Record("band-1", 4, T0);

        Assert.Equal(2, await store.WriteRecordsAsync([nine, four], None));

        AssertSameRecords([four, nine], await store.ReadRecordsAsync(Gait, "band-1", T0, T0 + 1, None));
    }

    [Fact]
    public async Task WriteRecords_IdenticalPayloads_ShareOneBlobWithFrames()
    {
        await using var store = await OpenStoreAsync();
        var frame = Frame("scope-1", 1, T0, seed: 7);

        await store.WriteFramesAsync([frame], None);
        await store.WriteRecordsAsync([new TelemetryRecord(Gait, "band-1", 1, 1, T0, frame.Pixels), new TelemetryRecord("heart", "band-2", 1, 1, T0, frame.Pixels)], None);

        Assert.Single(Directory.GetFiles(_folder.Combine("blobs"), "*", SearchOption.AllDirectories));
        Assert.Equal(frame.Pixels, Assert.Single(await store.ReadRecordsAsync("heart", "band-2", T0, T0 + 1, None)).Payload);
    }

    [Fact]
    public async Task Reopen_WithAFileNamedLikeARecordLogButNoValidKind_IgnoresIt()
    {
        await using (var store = await OpenStoreAsync())
        {
            await store.WriteRecordsAsync([Record("band-1", 1, T0)], None);
        }

        await File.WriteAllBytesAsync(_folder.Combine("series", "band-1", "records-.log"), [1, 2, 3]);
        await File.WriteAllBytesAsync(_folder.Combine("series", "band-1", "records-a b.log"), [1, 2, 3]);

        await using var reopened = await OpenStoreAsync();

        Assert.Equal(1, (await reopened.CountAsync(None)).Records);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(_folder.Combine("series", "band-1", "records-.log")));
    }

    private static int SecondRecordLength(string log)
    {
        var bytes = File.ReadAllBytes(log);
        var first = 8 + BitConverter.ToInt32(bytes, 0);
        return bytes.Length - first;
    }
}

/// <summary>Where a test damages a record: inside its body (its length still points at the next record) or in its length field.</summary>
internal static class AppendOnlyLogTestOffsets
{
    public const int Body = 0;
    public const int LengthField = 1;
}
