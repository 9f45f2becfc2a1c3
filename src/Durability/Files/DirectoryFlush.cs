using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Pipeline.Durability.Files;

/// <summary>
/// fsync on a directory, which makes the entries created, renamed or deleted in it durable: without it a power cut can
/// lose a file that was itself fsync'd, because the name pointing at it never reached the disk. .NET opens no directory
/// as a file (FileStream refuses one), so this calls libc's open, fsync and close. Windows has no equivalent and needs none.
/// </summary>
public static class DirectoryFlush
{
    // O_RDONLY is 0 on every Unix; a directory opens with it alone, so no flag that differs between architectures is needed.
    private const int ReadOnly = 0;

    public static void ToDisk(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(folder, ReadOnly);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open {folder} to fsync it: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
        }

        try
        {
            FileFlush.Checked(descriptor, folder);
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>Creates <paramref name="folder"/> and any missing parents, fsyncing the parent of each one created, so what is made inside it is not lost with it.</summary>
    public static void CreateDurably(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }

        var parent = Path.GetDirectoryName(Path.GetFullPath(folder))!;
        CreateDurably(parent);
        Directory.CreateDirectory(folder);
        ToDisk(parent);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
}
