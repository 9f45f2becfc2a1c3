using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Ingest.Spilling;
using Pipeline.TestSupport;

namespace Pipeline.Ingest.Tests.Spilling;

public sealed class SpillBufferTests : IDisposable
{
    private const long SegmentBytes = 4096;
    private readonly TemporaryFolder _folder = new("spill-test");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void AppendedRecords_ReadBackInOrder_AcrossSegments_AndDeletingEverySegmentEmptiesTheSpill()
    {
        var records = Enumerable.Range(0, 100).Select(Record).ToList();
        using var spill = Open(maxBytes: 1024 * 1024);
        foreach (var chunk in records.Chunk(7))
        {
            Assert.Equal(chunk.Length, spill.Append(chunk));
        }

        Assert.Equal(100, spill.Records);
        Assert.True(spill.Bytes > SegmentBytes, "the records need more than one segment");
        var readBack = new List<SpillRecord>();
        var segments = 0;
        while (spill.TakeOldest() is { } segment)
        {
            readBack.AddRange(spill.Read(segment));
            spill.Delete(segment);
            segments++;
        }

        Assert.True(segments > 1, $"{segments} segment(s)");
        Assert.Equal(records.Select(r => (r.Topic, Convert.ToHexString(r.Payload))), readBack.Select(r => (r.Topic, Convert.ToHexString(r.Payload))));
        Assert.Equal((0L, 0L), (spill.Records, spill.Bytes));
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void ASpill_ReopenedAfterItsProcessStopped_HoldsEveryRecord()
    {
        using (var first = Open(maxBytes: 1024 * 1024))
        {
            Assert.Equal(2, first.Append([Record(1), Record(2)]));
            Assert.Equal(1, first.Append([Record(3)]));
        }

        using var second = Open(maxBytes: 1024 * 1024);
        Assert.Equal(3, second.Records);
        var segment = Assert.IsType<SpillSegment>(second.TakeOldest());
        Assert.Equal(["t/1", "t/2", "t/3"], second.Read(segment).Select(r => r.Topic));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    public void ATornTailLeftByACrash_IsCutOnOpen_KeepingEveryWholeRecord(int bytesOfTheLastRecordLost)
    {
        string path;
        using (var first = Open(maxBytes: 1024 * 1024))
        {
            Assert.Equal(3, first.Append([Record(1), Record(2), Record(3)]));
            path = Assert.Single(Directory.GetFiles(_folder.Path));
        }

        var length = new FileInfo(path).Length;
        using (var file = new FileStream(path, FileMode.Open))
        {
            file.SetLength(length - bytesOfTheLastRecordLost);
        }

        using var reopened = Open(maxBytes: 1024 * 1024);
        Assert.Equal(2, reopened.Records);
        Assert.Equal(reopened.Bytes, new FileInfo(path).Length);
        Assert.Equal(1, reopened.Append([Record(4)]));
        var read = new List<string>();
        while (reopened.TakeOldest() is { } segment)
        {
            read.AddRange(reopened.Read(segment).Select(r => r.Topic));
            reopened.Delete(segment);
        }

        Assert.Equal(["t/1", "t/2", "t/4"], read);
    }

    [Fact]
    public void ACorruptRecord_IsCutOnOpen_WithTheRecordsAfterIt()
    {
        string path;
        using (var first = Open(maxBytes: 1024 * 1024))
        {
            Assert.Equal(2, first.Append([Record(1), Record(2)]));
            path = Assert.Single(Directory.GetFiles(_folder.Path));
        }

        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        using var reopened = Open(maxBytes: 1024 * 1024);
        var segment = Assert.IsType<SpillSegment>(reopened.TakeOldest());
        Assert.Equal(["t/1"], reopened.Read(segment).Select(r => r.Topic));
    }

    [Fact]
    public void AtTheCap_OnlyTheRecordsThatFitAreAppended_TheRestRefused_AndTheyFitAgainOnceASegmentIsDrained()
    {
        using var spill = Open(maxBytes: SegmentBytes);
        var records = Enumerable.Range(0, 100).Select(Record).ToList();
        var appended = spill.Append(records);

        Assert.InRange(appended, 10, 99);
        Assert.Equal(appended, spill.Records);
        Assert.InRange(spill.Bytes, 1, SegmentBytes);
        var full = (spill.Records, spill.Bytes);
        Assert.Equal(0, spill.Append([Record(999)]));
        Assert.Equal(full, (spill.Records, spill.Bytes));
        Assert.Equal(full.Bytes, Directory.GetFiles(_folder.Path).Sum(f => new FileInfo(f).Length));

        var segment = spill.TakeOldest()!;
        Assert.Equal(records.Take(appended).Select(r => r.Topic), spill.Read(segment).Select(r => r.Topic));
        spill.Delete(segment);
        Assert.Equal(1, spill.Append([records[appended]]));
        Assert.Equal(1, spill.Records);
    }

    private SpillBuffer Open(long maxBytes) => SpillBuffer.Open(_folder.Path, maxBytes, SegmentBytes, NullLogger.Instance);

    private static SpillRecord Record(int i) => new($"t/{i}", Enumerable.Range(0, 100 + i % 13).Select(b => (byte)(b * 7 + i)).ToArray());
}
