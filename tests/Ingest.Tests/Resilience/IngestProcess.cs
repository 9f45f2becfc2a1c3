using System.Diagnostics;

namespace Pipeline.Ingest.Tests.Resilience;

/// <summary>
/// The real ingest executable (src/Ingest's Ingest.dll, copied beside this test assembly by the project reference)
/// run as a child process under the same dotnet host, so a test can SIGKILL it mid-stream. Disposing kills it if it
/// still runs. Keeps the last lines it wrote for failure messages.
/// </summary>
public sealed class IngestProcess : IDisposable
{
    private const int MaxLogLines = 200;
    private readonly Process _process;
    private readonly Queue<string> _log = new();

    private IngestProcess(Process process) => _process = process;

    public bool HasExited => _process.HasExited;

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

    public static IngestProcess Start(IEnumerable<string> arguments)
    {
        var ingest = typeof(IngestService).Assembly.Location;
        var runtimeConfig = Path.ChangeExtension(ingest, ".runtimeconfig.json");
        if (!File.Exists(ingest) || !File.Exists(runtimeConfig))
        {
            throw new InvalidOperationException($"the ingest executable is not built: expected {ingest} and {runtimeConfig} (build tests/Ingest.Tests, which references src/Ingest)");
        }

        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(ingest)!,
        };
        start.ArgumentList.Add(ingest);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var child = new IngestProcess(process);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {start.FileName} {ingest}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL, no graceful stop: whatever ingest held in memory is gone, as in a crash.</summary>
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
    }
}
