using System.Diagnostics;
using System.Globalization;

namespace Pipeline.TestSupport;

/// <summary>
/// A size-limited tmpfs mounted over a temporary folder, so a test can fill a disk for real (ENOSPC from the kernel,
/// not a simulated exception) and then give it room again by remounting it larger. Needs root, as the test command
/// runs; a mount that fails fails the test loudly.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path) => Path = path;

    public string Path { get; }

    public long AvailableBytes => new DriveInfo(Path).AvailableFreeSpace;

    public static TmpfsMount Create(int kibibytes)
    {
        var path = Directory.CreateTempSubdirectory("tmpfs-").FullName;
        Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes.ToString(CultureInfo.InvariantCulture)}k", "tmpfs", path);
        return new TmpfsMount(path);
    }

    /// <summary>Gives the full disk room again, keeping everything on it.</summary>
    public void Grow(int kibibytes) => Run("mount", "-o", $"remount,size={kibibytes.ToString(CultureInfo.InvariantCulture)}k", Path);

    public void Dispose()
    {
        Run("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, UseShellExecute = false })
            ?? throw new InvalidOperationException($"cannot start {command}");
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()} (the fault tests mount a tmpfs and need root)");
        }
    }
}
