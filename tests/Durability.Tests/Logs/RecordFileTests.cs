using System.Buffers.Binary;
using Pipeline.Durability.Framing;
using Pipeline.Durability.Logs;

namespace Pipeline.Durability.Tests.Logs;

public sealed class RecordFileTests : RecordLogContract
{
    private static readonly FrameLimits Limits = new(1, 1024 * 1024);

    private string LogPath => Folder.Combine("records.log");

    [Fact]
    public void WrittenRecords_CountOnlyOnceCommitted_AndOneCommitCoversEveryWriteBeforeIt()
    {
        using var file = RecordFile.OpenForAppend(LogPath, Limits);
        file.Scan((_, _) => null);
        var first = file.Write(Frames.Of(Body(1, 10)));
        var second = file.Write(Frames.Of(Body(2, 10)));

        Assert.Equal((0L, 18L), (first, second));
        Assert.Equal(0, file.Length);
        Assert.Equal(36, file.WrittenLength);
        file.Commit();
        Assert.Equal(36, file.Length);
        Assert.Equal(Body(2, 10), file.ReadBody(second));
    }

    [Fact]
    public async Task Commit_OnAnotherThreadWhileWritesGoOn_LosesNothing()
    {
        const int records = 2000;
        using (var file = RecordFile.OpenForAppend(LogPath, Limits))
        {
            file.Scan((_, _) => null);
            var writing = true;
            var committer = Task.Run(() =>
            {
                while (Volatile.Read(ref writing))
                {
                    file.Commit();
                }
            });
            for (var i = 0; i < records; i++)
            {
                file.Write(Frames.Of(Body(i, 1 + (i % 50))));
            }

            Volatile.Write(ref writing, false);
            await committer;
            file.Commit();
            Assert.Equal(file.WrittenLength, file.Length);
        }

        Assert.Equal(Enumerable.Range(0, records).Select(i => Body(i, 1 + (i % 50))), Recover().Bodies);
    }

    [Fact]
    public void DiscardUncommitted_LetsTheNextWriteGoOverWhatACommitNeverCovered()
    {
        using (var file = RecordFile.OpenForAppend(LogPath, Limits))
        {
            file.Scan((_, _) => null);
            file.Write(Frames.Of(Body(1, 10)));
            file.Commit();
            file.Write(Frames.Of(Body(2, 10)));
            file.DiscardUncommitted();
            Assert.Equal(18, file.Write(Frames.Of(Body(3, 10))));
            file.Commit();
        }

        Assert.Equal([Body(1, 10), Body(3, 10)], Recover().Bodies);
    }

    [Fact]
    public void ADamagedRecordInTheMiddle_StopsAScan_OrIsSteppedOverWithSkipDamage_KeepingTheRecordsAfterIt()
    {
        AppendDurably(Body(1, 20), Body(2, 20), Body(3, 20));
        var bytes = File.ReadAllBytes(LogPath);
        bytes[28 + 8 + 5] ^= 0xFF;
        File.WriteAllBytes(LogPath, bytes);

        using var strict = RecordFile.OpenForReading(LogPath, Limits);
        var stopped = new List<byte[]>();
        var result = strict.Scan((_, body) => { stopped.Add(body); return null; });
        Assert.Equal([Body(1, 20)], stopped);
        Assert.Equal(28, result.End);
        Assert.Contains("CRC-32", result.Problem);

        using var lenient = RecordFile.OpenForReading(LogPath, Limits);
        var kept = new List<byte[]>();
        Assert.True(lenient.Scan((_, body) => { kept.Add(body); return null; }, skipDamage: true).EndsCleanly);
        Assert.Equal([Body(1, 20), Body(3, 20)], kept);
        Assert.Equal([new FileRegion(28, 28)], lenient.SkippedRegions);
    }

    [Fact]
    public void AReader_SeesOnlyWholeRecords_WhileTheWriterIsInTheMiddleOfOne()
    {
        using var writer = RecordFile.OpenForAppend(LogPath, Limits);
        writer.Scan((_, _) => null);
        using var reader = RecordFile.OpenForReading(LogPath, Limits);
        var frame = Frames.Of(Body(2, 100));
        writer.Write(Frames.Of(Body(1, 10)));
        writer.Write(frame.AsSpan(0, 50));
        var seen = new List<byte[]>();

        Assert.False(reader.Scan((_, body) => { seen.Add(body); return null; }).EndsCleanly);
        Assert.Equal([Body(1, 10)], seen);
        writer.Write(frame.AsSpan(50));
        Assert.True(reader.Scan((_, body) => { seen.Add(body); return null; }).EndsCleanly);
        Assert.Equal([Body(1, 10), Body(2, 100)], seen);
    }

    [Fact]
    public void ARecordTheVisitorRefuses_EndsTheScanThere()
    {
        AppendDurably(Body(1, 10), Body(2, 10));
        using var file = RecordFile.OpenForReading(LogPath, Limits);

        var result = file.Scan((offset, _) => offset > 0 ? "not a record of ours" : null);

        Assert.Equal((18L, "not a record of ours"), (result.End, result.Problem));
    }

    [Fact]
    public void ReadBody_OfAnOffsetWithNoIntactRecord_ThrowsNamingTheFileAndOffset()
    {
        AppendDurably(Body(1, 10));
        var bytes = File.ReadAllBytes(LogPath);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, 0);
        File.WriteAllBytes(LogPath, bytes);
        using var file = RecordFile.OpenForReading(LogPath, Limits);

        var error = Assert.Throws<InvalidDataException>(() => file.ReadBody(0));
        Assert.Contains($"{LogPath}: no intact record at offset 0", error.Message);
    }

    [Fact]
    public void OpenForAppend_InFoldersThatDoNotExist_CreatesThem()
    {
        var path = Folder.Combine("a", "b", "records.log");
        using (var file = RecordFile.OpenForAppend(path, Limits))
        {
            file.Write(Frames.Of(Body(1, 5)));
            file.Commit();
        }

        Assert.Equal(13, new FileInfo(path).Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenForAppend_ANewFile_FsyncsItsFolderUnlessToldToLeaveThatToTheCaller(bool syncFolders)
    {
        using var trace = await SyscallTrace.AttachAsync();

        var calls = await trace.CallsOfAsync(() => RecordFile.OpenForAppend(LogPath, Limits, syncFolders).Dispose());

        Assert.True(File.Exists(LogPath));
        var folder = SyscallTrace.Opened(calls, Folder.Path);
        var folderSynced = folder is { } opened && SyscallTrace.Fsynced(calls, opened.Descriptor, opened.Index) > 0;
        Assert.True(syncFolders == folderSynced, $"syncFolders {syncFolders}, folder fsync'd {folderSynced}:\n" + string.Join('\n', calls));
    }

    [Fact]
    public void OpenForAppend_WithoutSyncingFolders_StillCreatesTheMissingOnes()
    {
        var path = Folder.Combine("a", "b", "records.log");
        using (var file = RecordFile.OpenForAppend(path, Limits, syncFolders: false))
        {
            file.Write(Frames.Of(Body(1, 5)));
            file.Commit();
        }

        Assert.Equal(13, new FileInfo(path).Length);
    }

    protected override void AppendDurably(params byte[][] bodies)
    {
        using var file = RecordFile.OpenForAppend(LogPath, Limits);
        file.Scan((_, _) => null, skipDamage: true);
        file.Write([.. bodies.SelectMany(body => Frames.Of(body))]);
        file.Commit();
    }

    protected override (List<byte[]> Bodies, bool CutDamage) Recover()
    {
        using var file = RecordFile.OpenForAppend(LogPath, Limits);
        var bodies = new List<byte[]>();
        var result = file.Scan((_, body) => { bodies.Add(body); return null; }, skipDamage: true);
        if (!result.EndsCleanly)
        {
            file.CutTail();
        }

        return (bodies, !result.EndsCleanly);
    }

    protected override string NewestFile() => LogPath;
}
