using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Durability.Files;

/// <summary>
/// fsync that says when it failed. .NET's own (RandomAccess.FlushToDisk, FileStream.Flush(true)) return normally when
/// fsync fails on Linux: an EIO injected into its fsync with strace went unnoticed, so a write the disk never took would
/// count as durable and be acknowledged. This calls libc's fsync and throws when it fails, retrying only an interrupted call.
/// </summary>
public static class FileFlush
{
    private const int Interrupted = 4; // EINTR, the same on every Linux architecture

    /// <summary>fsyncs the open file <paramref name="handle"/> (<paramref name="path"/> names it in the error).</summary>
    /// <exception cref="IOException">The fsync failed: what was written since the last one may not be on the disk.</exception>
    public static void ToDisk(SafeFileHandle handle, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }

        var referenced = false;
        handle.DangerousAddRef(ref referenced);
        try
        {
            Checked((int)handle.DangerousGetHandle(), path);
        }
        finally
        {
            if (referenced)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Writes out <paramref name="stream"/>'s buffer, then fsyncs its file.</summary>
    public static void ToDisk(FileStream stream)
    {
        stream.Flush();
        ToDisk(stream.SafeFileHandle, stream.Name);
    }

    /// <summary>fsyncs an open descriptor, throwing when it fails.</summary>
    internal static void Checked(int descriptor, string path)
    {
        while (Fsync(descriptor) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error != Interrupted)
            {
                throw new IOException($"fsync of {path} failed: {new Win32Exception(error).Message}");
            }
        }
    }

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int descriptor);
}
