using System.Diagnostics;
using System.Globalization;

namespace Pipeline.Durability.Tests;

/// <summary>
/// strace attached to one thread of this process, failing each of its fsyncs with EIO as a failing disk would, until
/// disposed. One thread only: tests of other classes run in this process at the same time and must not see it; and
/// one tracer at a time (<see cref="SyscallTrace.OneAtATime"/>), since a thread takes only one.
/// </summary>
internal sealed class FailingFsyncs : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Process _strace;
    private bool _started;

    private FailingFsyncs(Process strace)
    {
        _strace = strace;
    }

    /// <summary>Attaches to this process's thread named <paramref name="threadName"/> (at most 15 characters, as the kernel keeps it).</summary>
    public static async Task<FailingFsyncs> AttachAsync(string threadName)
    {
        var threadId = Directory.EnumerateDirectories("/proc/self/task").Single(task => NameOf(task) == threadName).Split('/')[^1];
        var strace = new Process
        {
            StartInfo = new ProcessStartInfo("strace", ["-p", threadId, "-e", "trace=fsync", "-e", "inject=fsync:error=EIO", "-o", "/dev/null"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            },
        };
        await SyscallTrace.OneAtATime.WaitAsync();
        var failing = new FailingFsyncs(strace);
        try
        {
            failing._started = strace.Start();

            // strace says so on its standard error once it is attached; only then do the thread's fsyncs fail.
            var said = await strace.StandardError.ReadLineAsync().WaitAsync(Patience);
            Assert.Contains("attached", said, StringComparison.Ordinal);
            return failing;
        }
        catch
        {
            failing.Dispose();
            throw;
        }
    }

    /// <summary>A thread's name; null for one that ended while the tasks were listed (the thread pool's come and go).</summary>
    private static string? NameOf(string task)
    {
        try
        {
            return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            Detach();
        }
        finally
        {
            _strace.Dispose();
            SyscallTrace.OneAtATime.Release();
        }
    }

    private void Detach()
    {
        if (_started && !_strace.HasExited)
        {
            // SIGINT makes strace detach cleanly; killing it makes the kernel detach it should it not exit.
            using var interrupt = Process.Start("kill", ["-INT", _strace.Id.ToString(CultureInfo.InvariantCulture)]);
            interrupt.WaitForExit(Patience);
            if (!_strace.WaitForExit(Patience))
            {
                _strace.Kill();
                _strace.WaitForExit(Patience);
            }
        }
    }
}
