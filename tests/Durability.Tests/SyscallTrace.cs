using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.TestSupport;

namespace Pipeline.Durability.Tests;

/// <summary>
/// strace attached to this test process, recording the file system calls an action makes: what a power cut would lose
/// (an fsync left out, or made in the wrong order) cannot be seen from inside the process, but the system calls can.
/// A failed open of a unique marker path before and after the action brackets its calls in the trace, so waiting for
/// strace to attach, and for its output, is waiting on a condition rather than for a guessed time. A thread takes only
/// one tracer, so one trace at a time is attached (tests of several classes run in parallel).
/// </summary>
internal sealed partial class SyscallTrace : IDisposable
{
    private const string Calls = "openat,fsync,rename,renameat,renameat2";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    /// <summary>A thread takes one tracer: every strace this test process attaches to itself waits for this.</summary>
    internal static readonly SemaphoreSlim OneAtATime = new(1, 1);

    private readonly TemporaryFolder _folder = new("strace");
    private readonly Process _strace;

    private SyscallTrace(Process strace)
    {
        _strace = strace;
    }

    private string LogPath => _folder.Combine("trace.log");

    public static async Task<SyscallTrace> AttachAsync()
    {
        await OneAtATime.WaitAsync();
        var trace = new SyscallTrace(new Process());
        trace._strace.StartInfo = new ProcessStartInfo("strace", ["-f", "-qq", "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "-e", "trace=" + Calls, "-o", trace.LogPath])
        {
            UseShellExecute = false,
        };
        try
        {
            trace._strace.Start();
            var marker = trace.NewMarker();
            await Eventually.TrueAsync(() => Touch(marker) && trace.Log().Contains(marker, StringComparison.Ordinal), Patience, "strace attaches to the test process");
            return trace;
        }
        catch
        {
            trace.Dispose();
            throw;
        }
    }

    /// <summary>The calls <paramref name="action"/> made, one per line, as strace writes them ("openat(AT_FDCWD, \"/x\", O_RDONLY) = 5").</summary>
    public async Task<IReadOnlyList<string>> CallsOfAsync(Action action)
    {
        var begin = NewMarker();
        Touch(begin);
        action();
        var end = NewMarker();
        Touch(end);
        await Eventually.TrueAsync(() => Log().Contains(end, StringComparison.Ordinal), Patience, "strace writes out the calls");
        var lines = Joined(Log());
        var from = lines.FindIndex(l => l.Contains(begin, StringComparison.Ordinal));
        var to = lines.FindIndex(l => l.Contains(end, StringComparison.Ordinal));
        return lines[(from + 1)..to];
    }

    /// <summary>The descriptor an <c>openat</c> of exactly <paramref name="path"/> returned in <paramref name="calls"/>, and the line's index.</summary>
    public static (int Index, int Descriptor)? Opened(IReadOnlyList<string> calls, string path, int from = 0)
    {
        for (var i = from; i < calls.Count; i++)
        {
            var match = OpenAt().Match(calls[i]);
            if (match.Success && match.Groups["path"].Value == path && int.TryParse(match.Groups["fd"].ValueSpan, out var descriptor))
            {
                return (i, descriptor);
            }
        }

        return null;
    }

    /// <summary>The index of the first <c>fsync</c> of <paramref name="descriptor"/> at or after <paramref name="from"/>; -1 if none.</summary>
    public static int Fsynced(IReadOnlyList<string> calls, int descriptor, int from)
    {
        for (var i = from; i < calls.Count; i++)
        {
            if (calls[i].StartsWith($"fsync({descriptor})", StringComparison.Ordinal) && calls[i].EndsWith("= 0", StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        if (IsRunning())
        {
            // SIGINT makes strace detach cleanly. It once did not exit, and the unbounded wait for it held this test and
            // every strace test behind it until the run's hang timeout ended the test host; if it is still there after the
            // patience, killing it makes the kernel detach it from every thread of this process.
            using var interrupt = Process.Start("kill", ["-INT", _strace.Id.ToString(CultureInfo.InvariantCulture)]);
            interrupt.WaitForExit(Patience);
            if (!_strace.WaitForExit(Patience))
            {
                _strace.Kill();
                _strace.WaitForExit(Patience);
            }
        }

        _strace.Dispose();
        _folder.Dispose();
        OneAtATime.Release();
    }

    private bool IsRunning()
    {
        try
        {
            return !_strace.HasExited;
        }
        catch (InvalidOperationException)
        {
            // It never started.
            return false;
        }
    }

    private string NewMarker() => _folder.Combine($"marker-{Guid.NewGuid():N}");

    /// <summary>A failed open of <paramref name="marker"/>, which strace records; true, to chain in a condition.</summary>
    private static bool Touch(string marker)
    {
        try
        {
            File.OpenHandle(marker, FileMode.Open).Dispose();
        }
        catch (FileNotFoundException)
        {
            // Expected: the failed open is the mark.
        }

        return true;
    }

    private string Log()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// The calls in order, without the thread id, each on one line: a call another thread interrupted is written as
    /// "... &lt;unfinished ...&gt;" and later "&lt;... openat resumed&gt; ...", which are joined here.
    /// </summary>
    private static List<string> Joined(string log)
    {
        var unfinished = new Dictionary<string, string>();
        var calls = new List<string>();
        foreach (var raw in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = raw.IndexOf(' ', StringComparison.Ordinal);
            var thread = raw[..space];
            var call = raw[(space + 1)..].Trim();
            if (call.EndsWith("<unfinished ...>", StringComparison.Ordinal))
            {
                unfinished[thread] = call[..^"<unfinished ...>".Length].TrimEnd();
                continue;
            }

            var resumed = Resumed().Match(call);
            if (resumed.Success && unfinished.Remove(thread, out var start))
            {
                call = start + resumed.Groups["rest"].Value;
            }

            calls.Add(call);
        }

        return calls;
    }

    [GeneratedRegex("""^openat\(AT_FDCWD, "(?<path>[^"]*)", [^)]*\)\s*=\s*(?<fd>-?\d+)""")]
    private static partial Regex OpenAt();

    [GeneratedRegex("""^<\.\.\. \w+ resumed>(?<rest>.*)$""")]
    private static partial Regex Resumed();
}
