using Pipeline.Durability.Logs;

namespace Pipeline.Durability.Tests.Logs;

public sealed class SegmentedLogTests : SegmentedLogContract
{
    [Fact]
    public void AnEmptyFolder_GetsItsFirstSegment_NumberedFromTheFirstNumber()
    {
        var (log, damage) = Open();
        using (log)
        {
            Assert.Empty(damage);
            Assert.Equal([1L], log.Segments);
            Assert.Equal(1, log.ActiveSegment);
            Assert.True(File.Exists(Folder.Combine("log-000000000001.seg")));
        }
    }

    [Fact]
    public void StartSegment_RollsOver_EachSegmentStartsWithItsFirstRecords_AndAReopenRecoversAllInOrder()
    {
        using (var log = Open().Log)
        {
            Assert.Equal((1L, 0L), log.Append(Frames.Of(Body(1, 10))));
            Assert.Equal(2, log.StartSegment(Frames.Of(Body(2, 10))));
            Assert.Equal((2L, 18L), log.Append(Frames.Of(Body(3, 10))));
            log.Seal();
            Assert.Null(log.ActiveSegment);
            Assert.Equal((3L, 0L), log.Append(Frames.Of(Body(4, 10))));
            log.Sync();
            Assert.Equal([1L, 2L, 3L], log.Segments);
            Assert.Equal(18 * 4, log.Bytes);
        }

        var seen = new List<(long Segment, long Offset)>();
        using var reopened = SegmentedLog.Open(Folder.Path, Naming, Limits, (segment, offset, _) => { seen.Add((segment, offset)); return null; }).Log;
        Assert.Equal([(1L, 0L), (2L, 0L), (2L, 18L), (3L, 0L)], seen);
        Assert.Equal(3, reopened.ActiveSegment);
        Assert.Equal((3L, 18L), reopened.Append(Frames.Of(Body(5, 10))));
    }

    [Fact]
    public async Task ANewSegment_IsCreatedWithItsFirstRecordsFsynced_AndThenAnFsyncOfItsFolder()
    {
        using var log = Open().Log;
        log.Append(Frames.Of(Body(1, 10)));
        using var trace = await SyscallTrace.AttachAsync();

        var calls = await trace.CallsOfAsync(() => log.StartSegment(Frames.Of(Body(2, 10))));

        var segment = SyscallTrace.Opened(calls, Folder.Combine("log-000000000002.seg"));
        Assert.True(segment is not null, "the new segment was not created:\n" + string.Join('\n', calls));
        var segmentSynced = SyscallTrace.Fsynced(calls, segment.Value.Descriptor, segment.Value.Index);
        Assert.True(segmentSynced > 0, "the new segment's first records were not fsync'd:\n" + string.Join('\n', calls));
        var folder = SyscallTrace.Opened(calls, Folder.Path, segmentSynced);
        Assert.True(folder is not null, "the folder was not opened after the segment was written:\n" + string.Join('\n', calls));
        Assert.True(SyscallTrace.Fsynced(calls, folder.Value.Descriptor, folder.Value.Index) > 0, "the folder was not fsync'd:\n" + string.Join('\n', calls));
    }

    [Fact]
    public async Task Sync_OnAnotherThreadWhileAppendsAndRollOversGoOn_LosesNothing()
    {
        const int records = 3000;
        using (var log = Open().Log)
        {
            var appending = true;
            var syncer = Task.Run(() =>
            {
                while (Volatile.Read(ref appending))
                {
                    log.Sync();
                }
            });
            for (var i = 0; i < records; i++)
            {
                if (i % 500 == 499)
                {
                    log.StartSegment(Frames.Of(Body(i, 8)));
                    continue;
                }

                log.Append(Frames.Of(Body(i, 8)));
            }

            Volatile.Write(ref appending, false);
            await syncer;
            log.Sync();
            Assert.Equal(7, log.Segments.Count);
        }

        Assert.Equal(Enumerable.Range(0, records).Select(i => Body(i, 8)), Recover().Bodies);
    }

    [Fact]
    public void DamageInAnOlderSegment_IsReportedAndSkipped_NotCut()
    {
        using (var log = Open().Log)
        {
            log.Append([.. Frames.Of(Body(1, 10)), .. Frames.Of(Body(2, 10))]);
            log.StartSegment(Frames.Of(Body(3, 10)));
            log.Sync();
        }

        var older = Folder.Combine("log-000000000001.seg");
        var bytes = File.ReadAllBytes(older);
        bytes[18 + 9] ^= 0xFF;
        File.WriteAllBytes(older, bytes);

        var bodies = new List<byte[]>();
        var (reopened, damage) = SegmentedLog.Open(Folder.Path, Naming, Limits, (_, _, body) => { bodies.Add(body); return null; });
        using (reopened)
        {
            Assert.Equal([Body(1, 10), Body(3, 10)], bodies);
            var reported = Assert.Single(damage);
            Assert.Equal((1L, 18L, 18L, false), (reported.Segment, reported.Offset, reported.Bytes, reported.Cut));
            Assert.Contains("CRC-32", reported.Problem);
            Assert.Equal(36, new FileInfo(older).Length);
            Assert.Equal(36, reopened.LengthOf(1));
        }
    }

    [Fact]
    public void Seal_DeletesAnEmptyActiveSegment_AndAnEmptyOlderSegmentGoesOnOpen()
    {
        using (var log = Open().Log)
        {
            log.Seal();
            Assert.Empty(log.Segments);
            Assert.False(File.Exists(Folder.Combine("log-000000000001.seg")));
            log.Append(Frames.Of(Body(1, 10)));
            Assert.Equal([2L], log.Segments);
        }

        File.WriteAllBytes(Folder.Combine("log-000000000000.seg"), []);
        File.WriteAllBytes(Folder.Combine("log-000000000001.seg"), []);
        using var reopened = Open().Log;
        Assert.Equal([2L], reopened.Segments);
        Assert.False(File.Exists(Folder.Combine("log-000000000001.seg")));
        Assert.True(File.Exists(Folder.Combine("log-000000000000.seg")), "a file numbered below the first number is not the log's");
    }

    [Fact]
    public void DiscardUnsynced_CutsTheActiveSegmentBackToTheLastSync()
    {
        using (var log = Open().Log)
        {
            log.Append(Frames.Of(Body(1, 10)));
            log.Sync();
            log.Append(Frames.Of(Body(2, 10)));
            log.DiscardUnsynced();
            Assert.Equal(18, log.Bytes);
            Assert.Equal((1L, 18L), log.Append(Frames.Of(Body(3, 10))));
            log.Sync();
        }

        Assert.Equal([Body(1, 10), Body(3, 10)], Recover().Bodies);
    }

    [Fact]
    public void TheActiveSegment_CannotBeDeleted_AnOlderOneCan()
    {
        using var log = Open().Log;
        log.Append(Frames.Of(Body(1, 10)));
        log.StartSegment([]);

        Assert.Throws<InvalidOperationException>(() => log.Delete(2));
        log.Delete(1);
        Assert.Equal([2L], log.Segments);
        Assert.Equal(0, log.Bytes);
    }

    [Fact]
    public void Read_ReturnsTheRawFrames_OfAnySegment()
    {
        using var log = Open().Log;
        var first = Frames.Of(Body(1, 10));
        log.Append(first);
        log.StartSegment(Frames.Of(Body(2, 10)));
        var buffer = new byte[first.Length];

        Assert.Equal(first.Length, log.Read(1, 0, buffer));
        Assert.Equal(first, buffer);
        var bodies = new List<byte[]>();
        Assert.True(log.ReadRecords(2, (_, body) => { bodies.Add(body); return null; }).EndsCleanly);
        Assert.Equal([Body(2, 10)], bodies);
    }

    protected override void AppendDurably(params byte[][] bodies)
    {
        using var log = Open().Log;
        log.Append([.. bodies.SelectMany(body => Frames.Of(body))]);
        log.Sync();
    }

    private (SegmentedLog Log, IReadOnlyList<SegmentDamage> Damage) Open() => SegmentedLog.Open(Folder.Path, Naming, Limits, (_, _, _) => null);
}
