using Pipeline.TestSupport;

namespace Pipeline.Durability.Tests.Logs;

/// <summary>
/// What every crash-safe record log here promises, whatever keeps its records: what was made durable reads back byte for
/// byte after a restart, a tail torn by a crash at any byte is cut off cleanly, and damage to a record is caught by its
/// CRC-32. Each log type's test class supplies how its owners write and recover it.
/// </summary>
public abstract class RecordLogContract : IDisposable
{
    protected TemporaryFolder Folder { get; } = new("durability-test");

    public void Dispose()
    {
        Folder.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens the log in <see cref="Folder"/>, appends <paramref name="bodies"/> and makes them durable, and closes it.</summary>
    protected abstract void AppendDurably(params byte[][] bodies);

    /// <summary>Opens the log in <see cref="Folder"/> as after a restart: the bodies it recovers, in order, and whether it found (and cut) a damaged tail.</summary>
    protected abstract (List<byte[]> Bodies, bool CutDamage) Recover();

    /// <summary>The file holding the newest records.</summary>
    protected abstract string NewestFile();

    [Fact]
    public void DurableRecords_ReadBackAfterAReopen_InOrder_ByteForByte()
    {
        var bodies = Enumerable.Range(1, 40).Select(i => Body(i, i * 7)).ToArray();
        AppendDurably(bodies[..25]);
        AppendDurably(bodies[25..]);

        var (recovered, cut) = Recover();

        Assert.Equal(bodies, recovered);
        Assert.False(cut);
    }

    [Fact]
    public void ATornLastRecord_CutAtEveryByteOffset_IsDroppedCleanly_AndTheNextAppendFollowsTheLastWholeRecord()
    {
        byte[] a = Body(1, 30), b = Body(2, 45), c = Body(3, 60), d = Body(4, 20);
        AppendDurably(a, b);
        var whole = new FileInfo(NewestFile()).Length;
        AppendDurably(c);
        var path = NewestFile();
        var full = File.ReadAllBytes(path);
        Assert.True(full.Length > whole);

        for (var cut = whole; cut < full.Length; cut++)
        {
            File.WriteAllBytes(path, full[..(int)cut]);

            var (recovered, damage) = Recover();

            Assert.Equal([a, b], recovered);
            Assert.Equal(cut > whole, damage);
            Assert.Equal(whole, new FileInfo(path).Length);
            AppendDurably(d);
            Assert.Equal([a, b, d], Recover().Bodies);
        }
    }

    [Fact]
    public void AnyByteOfTheLastRecordFlipped_IsCaught_AndOnlyThatRecordIsDropped()
    {
        byte[] a = Body(1, 30), b = Body(2, 50);
        AppendDurably(a);
        var start = new FileInfo(NewestFile()).Length;
        AppendDurably(b);
        var path = NewestFile();
        var intact = File.ReadAllBytes(path);

        for (var at = start; at < intact.Length; at++)
        {
            var damaged = intact.ToArray();
            damaged[at] ^= 0x5A;
            File.WriteAllBytes(path, damaged);

            var (recovered, cut) = Recover();

            Assert.Equal([a], recovered);
            Assert.True(cut, $"the flipped byte at {at} went unnoticed");
        }
    }

    protected static byte[] Body(int seed, int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(seed * 37 + i * 11))];
}
