using Pipeline.Durability.Files;
using Pipeline.TestSupport;

namespace Pipeline.Durability.Tests.Files;

public sealed class AtomicFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("atomic-file-test");

    private string FilePath => _folder.Combine("state.json");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Write_ReplacesTheFileWhole_AndLeavesNoSideFile()
    {
        AtomicFile.Write(FilePath, "old, and longer than the new"u8);
        AtomicFile.Write(FilePath, "new"u8);

        Assert.Equal("new", File.ReadAllText(FilePath));
        Assert.Equal([FilePath], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Write_ThatFailsHalfway_KeepsTheOldFile_AndDeletesItsSideFile()
    {
        AtomicFile.Write(FilePath, "old"u8);

        var error = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(FilePath, stream =>
        {
            stream.Write("half of the new"u8);
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("the writer failed", error.Message);
        Assert.Equal("old", File.ReadAllText(FilePath));
        Assert.Equal([FilePath], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Write_IntoFoldersThatDoNotExist_CreatesThem()
    {
        var path = _folder.Combine("a", "b", "state.json");

        AtomicFile.Write(path, stream => stream.Write("made"u8));

        Assert.Equal("made", File.ReadAllText(path));
    }

    [Fact]
    public void ASideFileACrashLeftBehind_IsOverwritten()
    {
        File.WriteAllText(AtomicFile.SideFileOf(FilePath), "what a crashed writer left, longer than the new contents");

        AtomicFile.Write(FilePath, "new"u8);

        Assert.Equal("new", File.ReadAllText(FilePath));
        Assert.False(File.Exists(AtomicFile.SideFileOf(FilePath)));
    }

    [Fact]
    public async Task WriteAsync_ReplacesTheFileWhole()
    {
        await AtomicFile.WriteAsync(FilePath, "old"u8.ToArray(), CancellationToken.None);
        await AtomicFile.WriteAsync(FilePath, "new"u8.ToArray(), CancellationToken.None);

        Assert.Equal("new", await File.ReadAllTextAsync(FilePath));
        Assert.Equal([FilePath], Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void Write_OnAFullDisk_ThrowsTheNoSpaceError_KeepsTheOldFile_AndFreesTheSideFile()
    {
        using var disk = TmpfsMount.Create(kibibytes: 64);
        var path = Path.Combine(disk.Path, "state.bin");
        AtomicFile.Write(path, new byte[16 * 1024]);

        Assert.ThrowsAny<IOException>(() => AtomicFile.Write(path, new byte[128 * 1024]));

        Assert.Equal(16 * 1024, new FileInfo(path).Length);
        Assert.Equal([path], Directory.GetFiles(disk.Path));
    }

    [Fact]
    public async Task Write_FsyncsTheSideFile_RenamesItOverTheFile_ThenFsyncsTheFolder()
    {
        AtomicFile.Write(FilePath, "old"u8);
        using var trace = await SyscallTrace.AttachAsync();

        var calls = await trace.CallsOfAsync(() => AtomicFile.Write(FilePath, "new"u8));

        var everything = "\n" + string.Join('\n', calls);
        var side = SyscallTrace.Opened(calls, AtomicFile.SideFileOf(FilePath));
        Assert.True(side is not null, "no side file was written:" + everything);
        var sideSynced = SyscallTrace.Fsynced(calls, side.Value.Descriptor, side.Value.Index);
        Assert.True(sideSynced > 0, "the side file was not fsync'd:" + everything);
        var renamed = calls.ToList().FindIndex(sideSynced, c => c.StartsWith("rename", StringComparison.Ordinal) && c.Contains($"\"{FilePath}\"", StringComparison.Ordinal));
        Assert.True(renamed > sideSynced, "the side file was not renamed over the file after its fsync:" + everything);
        var folder = SyscallTrace.Opened(calls, _folder.Path, renamed);
        Assert.True(folder is not null && SyscallTrace.Fsynced(calls, folder.Value.Descriptor, folder.Value.Index) > 0, "the folder was not fsync'd after the rename:" + everything);
    }

    [Fact]
    public void DirectoryFlush_OfAFolderThatDoesNotExist_ThrowsNamingIt()
    {
        var missing = _folder.Combine("missing");

        var error = Assert.Throws<IOException>(() => DirectoryFlush.ToDisk(missing));

        Assert.Contains(missing, error.Message);
    }
}
