using Pipeline.EdgeAgent.Outbox;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Outbox;

public sealed class OutboxCursorFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("outbox-cursor-test");

    private string CursorPath => _folder.Combine(OutboxCursor.FileName);

    [Fact]
    public void NewFile_ReadsAsNothingAcknowledged_WithoutAProblem()
    {
        var (file, cursor, problem) = OutboxCursorFile.Open(_folder.Path);
        file.Dispose();

        Assert.Equal(OutboxCursor.Start, cursor);
        Assert.Null(problem);
    }

    [Fact]
    public void ManySaves_ReopenGivesTheLastSavedPosition_InTwoSlots()
    {
        var (file, _, _) = OutboxCursorFile.Open(_folder.Path);
        using (file)
        {
            for (var i = 1; i <= 5; i++)
            {
                file.Save(new OutboxCursor(i / 2 + 1, i * 100));
            }
        }

        Assert.Equal(2 * OutboxCursor.SlotSize, new FileInfo(CursorPath).Length);
        var (reopened, cursor, problem) = OutboxCursorFile.Open(_folder.Path);
        reopened.Dispose();
        Assert.Equal(new OutboxCursor(3, 500), cursor);
        Assert.Null(problem);
    }

    [Fact]
    public void TornLastSave_FallsBackToThePreviousPosition_AndTheNextSaveOverwritesTheTornSlot()
    {
        var (file, _, _) = OutboxCursorFile.Open(_folder.Path);
        using (file)
        {
            file.Save(new OutboxCursor(1, 100));
            file.Save(new OutboxCursor(1, 200));
        }

        // A crash in the middle of the second save: its slot no longer passes its CRC-32.
        var bytes = File.ReadAllBytes(CursorPath);
        bytes[OutboxCursor.SlotSize + 3] ^= 0xFF;
        File.WriteAllBytes(CursorPath, bytes);

        var (reopened, cursor, problem) = OutboxCursorFile.Open(_folder.Path);
        using (reopened)
        {
            Assert.Equal(new OutboxCursor(1, 100), cursor);
            Assert.Null(problem);
            reopened.Save(new OutboxCursor(1, 300));
        }

        var (again, latest, _) = OutboxCursorFile.Open(_folder.Path);
        again.Dispose();
        Assert.Equal(new OutboxCursor(1, 300), latest);
    }

    [Fact]
    public void CursorWrittenByAnEarlierVersion_OneSlotReplacedByRename_IsStillRead()
    {
        var slot = new byte[OutboxCursor.SlotSize];
        new OutboxCursor(4, 4096).Encode(slot);
        File.WriteAllBytes(CursorPath, slot);

        var (file, cursor, problem) = OutboxCursorFile.Open(_folder.Path);
        file.Dispose();

        Assert.Equal(new OutboxCursor(4, 4096), cursor);
        Assert.Null(problem);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(OutboxCursor.SlotSize)]
    [InlineData(100)]
    public void DamagedFile_ReadsAsNothingAcknowledged_NamingTheProblem_AndIsStartedAfresh(int length)
    {
        File.WriteAllBytes(CursorPath, Enumerable.Repeat((byte)0xAB, length).ToArray());

        var (file, cursor, problem) = OutboxCursorFile.Open(_folder.Path);
        using (file)
        {
            Assert.Equal(OutboxCursor.Start, cursor);
            Assert.Contains("cursor file", problem);
            file.Save(new OutboxCursor(2, 20));
        }

        var (reopened, saved, again) = OutboxCursorFile.Open(_folder.Path);
        reopened.Dispose();
        Assert.Equal(new OutboxCursor(2, 20), saved);
        Assert.Null(again);
    }

    public void Dispose() => _folder.Dispose();
}
