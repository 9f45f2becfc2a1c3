using System.Diagnostics;
using System.Globalization;

namespace Pipeline.TestSupport;

/// <summary>
/// The lifecycle of a real server binary a test fixture runs: find it (a missing one fails loudly), start it,
/// wait until it answers its readiness probe, stop it gracefully (SIGTERM, so it flushes its data) or kill it,
/// restart it on the same arguments, and keep its last output lines for failure messages. The server dies with the test
/// host, however that ends (<see cref="Watchdog"/>), so a crashed or killed test run leaves no server holding a port.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    /// <summary>How often a fixture tries a fresh free port when the one it picked was taken before its server bound it.</summary>
    public const int PortAttempts = 5;

    private const int MaxLogLines = 200;

    /// <summary>
    /// Run by <c>setsid sh -c</c>, so the server leads a process group of its own: a watchdog in that group reads the
    /// standard input the test host holds open, and when it ends (the host closed it, exited or was killed) kills the
    /// group. The shell then becomes the server (exec), so its pid is the server's, for signals and exit codes. A
    /// group id is not reused while the watchdog is in it, so its kill never reaches another process. The watchdog
    /// writes nowhere: holding the server's output pipes, it would keep a wait for the server's exit from ending.
    /// (PR_SET_DEATHSIG would follow the thread that started the server, and thread-pool threads come and go.)
    /// </summary>
    private const string Watchdog = """
        exec 3<&0 </dev/null
        ( cat <&3; kill -s KILL -- -$$ ) >/dev/null 2>&1 &
        exec "$0" "$@" 3<&-
        """;

    private readonly string _name;
    private readonly string _binary;
    private readonly string[] _arguments;
    private readonly Func<CancellationToken, Task<bool>> _isReady;
    private readonly TimeSpan _startTimeout;
    private readonly TimeSpan _stopTimeout;
    private readonly Queue<string> _log = new();
    private Process? _process;

    /// <param name="name">The binary's file name, e.g. "mosquitto".</param>
    /// <param name="extraFolder">A folder outside PATH where Debian installs it (e.g. /usr/sbin).</param>
    /// <param name="missingBinaryMessage">What to tell the person when the binary is not installed.</param>
    public ServerProcess(string name, string extraFolder, string missingBinaryMessage, string[] arguments,
        Func<CancellationToken, Task<bool>> isReady, TimeSpan startTimeout, TimeSpan stopTimeout)
    {
        _name = name;
        _binary = FindBinary(name, extraFolder) ?? throw new InvalidOperationException(missingBinaryMessage);
        _arguments = arguments;
        _isReady = isReady;
        _startTimeout = startTimeout;
        _stopTimeout = stopTimeout;
    }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the server wrote, for failure messages.</summary>
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

    /// <summary>Stops the server gracefully (SIGTERM), killing it if it lingers.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        await SignalAsync(process, "TERM");
        using var timeout = new CancellationTokenSource(_stopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Freezes the server (SIGSTOP): its connections stay open, and what clients send waits unread in its socket buffers.</summary>
    public Task PauseAsync() => _process is { HasExited: false } process ? SignalAsync(process, "STOP") : Task.CompletedTask;

    /// <summary>Lets a paused server run on (SIGCONT): it reads what waited, in order.</summary>
    public Task ResumeAsync() => _process is { HasExited: false } process ? SignalAsync(process, "CONT") : Task.CompletedTask;

    /// <summary>Kills the server outright (SIGKILL): no chance to save or flush anything, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the server (again), returning once its readiness probe answers.</summary>
    public async Task RestartAsync(string readiness, CancellationToken cancellationToken)
    {
        await StopAsync();
        Release();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo("setsid", ["sh", "-c", Watchdog, _binary, .. _arguments])
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            },
        };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + _startTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                var message = $"{_name} exited with code {process.ExitCode} on start ({readiness}):{Environment.NewLine}{RecentLog}";
                throw RecentLog.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new ServerPortTakenException(message)
                    : new InvalidOperationException(message);
            }

            if (await _isReady(cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"{_name} did not become ready ({readiness}) within {_startTimeout.TotalSeconds} s:{Environment.NewLine}{RecentLog}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>Kills the server if it still runs.</summary>
    public void Dispose()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        Release();
    }

    /// <summary>Closes the watchdog's standard input, which ends the watchdog (and the server's group, should it linger).</summary>
    private void Release()
    {
        if (_process is { } process)
        {
            process.StandardInput.Close();
            process.Dispose();
            _process = null;
        }
    }

    private static async Task SignalAsync(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        if (kill is not null)
        {
            await kill.WaitForExitAsync();
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Enqueue(line);
            while (_log.Count > MaxLogLines)
            {
                _log.Dequeue();
            }
        }
    }

    private static string? FindBinary(string name, string extraFolder)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append(extraFolder)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);
    }
}
