using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Pipeline.Trainer.Registry;

/// <summary>
/// fsync on a directory, which makes the entries created or renamed in it durable. .NET opens no directory as a file
/// (FileStream refuses one), so this calls libc's open, fsync and close. Windows has no equivalent and needs none.
/// </summary>
internal static class DirectoryFlush
{
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
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of {folder} failed: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    // O_RDONLY is 0 on every Unix; a directory opens with it alone, so no flag that differs between architectures is needed.
    private const int ReadOnly = 0;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int descriptor);
}
