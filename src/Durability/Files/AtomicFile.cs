namespace Pipeline.Durability.Files;

/// <summary>
/// Replaces a file whole: the new contents go to a side file ("PATH.tmp"), which is fsync'd and renamed over the old
/// file, and then the folder is fsync'd. A reader sees the old file or the whole new one, never part of either, and a
/// power cut after <see cref="Write(string, ReadOnlySpan{byte})"/> returned keeps the new one: the rename never exposes
/// data still in the page cache, and the folder's fsync makes the rename itself durable. A failed write deletes its side
/// file (on a full disk it would only take the room that is short) and leaves the old file as it was. One writer per
/// path at a time: the side file's name is fixed, so one a crash left behind is simply overwritten next time.
/// </summary>
public static class AtomicFile
{
    public const string SideFileExtension = ".tmp";

    public static void Write(string path, ReadOnlySpan<byte> contents)
    {
        var side = StartSideFile(path);
        try
        {
            using (var file = new FileStream(side, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(contents);
                FileFlush.ToDisk(file);
            }
        }
        catch
        {
            File.Delete(side);
            throw;
        }

        Replace(side, path);
    }

    /// <summary>Like <see cref="Write(string, ReadOnlySpan{byte})"/>, with the contents written by <paramref name="writeContents"/> (which must not close the stream).</summary>
    public static void Write(string path, Action<Stream> writeContents)
    {
        var side = StartSideFile(path);
        try
        {
            using (var file = new FileStream(side, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                writeContents(file);
                FileFlush.ToDisk(file);
            }
        }
        catch
        {
            File.Delete(side);
            throw;
        }

        Replace(side, path);
    }

    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> contents, CancellationToken cancellationToken)
    {
        var side = StartSideFile(path);
        try
        {
            await using (var file = new FileStream(side, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true))
            {
                await file.WriteAsync(contents, cancellationToken);
                FileFlush.ToDisk(file);
            }
        }
        catch
        {
            File.Delete(side);
            throw;
        }

        Replace(side, path);
    }

    public static string SideFileOf(string path) => path + SideFileExtension;

    private static string StartSideFile(string path)
    {
        DirectoryFlush.CreateDurably(FolderOf(path));
        return SideFileOf(path);
    }

    private static void Replace(string side, string path)
    {
        File.Move(side, path, overwrite: true);
        DirectoryFlush.ToDisk(FolderOf(path));
    }

    private static string FolderOf(string path) => Path.GetDirectoryName(Path.GetFullPath(path))!;
}
