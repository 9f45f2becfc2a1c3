using System.Diagnostics;

namespace Pipeline.TestSupport;

/// <summary>
/// A real component executable (ingest, trainer or edge agent: its .dll, copied beside the test assembly by the
/// project reference) run as a child process under the same dotnet host, so a test can SIGKILL it mid-stream. Its HTTP
/// listener is off unless the test's arguments set Http:Port.
/// Disposing kills it if it still runs. Keeps the last lines it wrote for failure messages.
/// </summary>
public sealed class ComponentProcess : IDisposable
{
    private const int MaxLogLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _log = new();

    // Standard output and error still being read: a process can have exited while its last lines are unread.
    private int _openStreams = 2;

    private ComponentProcess(Process process) => _process = process;

    /// <summary>True once the process has exited and everything it wrote is in <see cref="RecentLog"/>.</summary>
    public bool HasExited => _process.HasExited && Volatile.Read(ref _openStreams) == 0;

    /// <summary>The exit code, once it has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Raised with each line the component writes, as it arrives (on a reader thread), so a test can act on a log line
    /// within about a millisecond: sooner than polling <see cref="RecentLog"/> would notice it.
    /// </summary>
    public event Action<string>? LineWritten;

    public string RecentLog
    {
        get
        {
            lock (_log)
            {
                return string.Join(Environment.NewLine, _log);
            }
        }
    }

    /// <summary>Starts the executable whose entry assembly is <paramref name="component"/> (any type in it names it).</summary>
    public static ComponentProcess Start(System.Reflection.Assembly component, IEnumerable<string> arguments)
    {
        var executable = component.Location;
        var runtimeConfig = Path.ChangeExtension(executable, ".runtimeconfig.json");
        if (!File.Exists(executable) || !File.Exists(runtimeConfig))
        {
            throw new InvalidOperationException($"{Path.GetFileName(executable)} is not built as an executable: expected {executable} and {runtimeConfig} (reference its project from the test project)");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(executable)!,
        };
        // The ingest and trainer executables listen on fixed ports by default (8081, 8082), which processes of tests running in
        // parallel would compete for; a test that wants the listener passes its own --Http:Port, which wins over this.
        start.Environment["PIPELINE_Http__Port"] = "0";
        start.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var child = new ComponentProcess(process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {start.FileName} {executable}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits until it exits by itself, for at most <paramref name="timeout"/> (a <see cref="TimeoutException"/> then).</summary>
    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    /// <summary>SIGTERM, as a supervisor (systemd, Kubernetes) stops it: the component's graceful stop.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", "TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync();
    }

    /// <summary>SIGKILL, no graceful stop: whatever the component held in memory is gone, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
            // It never started.
        }

        _process.Dispose();
    }

    private static string DotnetHost()
    {
        // The test host itself runs under dotnet (or names it in DOTNET_HOST_PATH); the child uses the same one.
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            // The end of one of the two streams.
            Interlocked.Decrement(ref _openStreams);
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            if (_log.Count > MaxLogLines)
            {
                _log.Dequeue();
            }
        }

        LineWritten?.Invoke(line);
    }
}
