using System.Diagnostics;
using System.Globalization;
using System.Net;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.TestSupport;

/// <summary>
/// Debian's influxd (1.x), started from a generated configuration with its meta, data and write-ahead-log
/// folders in a temporary folder and its HTTP API on 127.0.0.1 at a free port (the RPC port too, reporting off),
/// so a test can stop and restart it on the same port and data. A missing binary fails the test loudly.
/// </summary>
public sealed class InfluxDbServer : IAsyncDisposable
{
    public const string MissingBinaryMessage = "influxd not found: install Debian package 'influxdb' (./test.sh does)";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);
    private const int MaxLogLines = 200;

    private readonly string _binary;
    private readonly TemporaryFolder _folder;
    private readonly int _rpcPort;
    private readonly Queue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;

    private InfluxDbServer(string binary, TemporaryFolder folder, int port, int rpcPort)
    {
        _binary = binary;
        _folder = folder;
        Port = port;
        _rpcPort = rpcPort;
    }

    public int Port { get; }

    /// <summary>The HTTP API's base address, for example http://127.0.0.1:41234/.</summary>
    public Uri Url => new($"http://{IPAddress.Loopback}:{Port}/");

    /// <summary>Where influxd keeps meta, data and wal between restarts.</summary>
    public string DataFolder => _folder.Combine("influxdb");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines influxd wrote, for failure messages.</summary>
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

    public static async Task<InfluxDbServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(MissingBinaryMessage);
        var folder = new TemporaryFolder("influxd");
        var server = new InfluxDbServer(binary, folder, EmbeddedBroker.FreeLoopbackPort(), EmbeddedBroker.FreeLoopbackPort());
        try
        {
            Directory.CreateDirectory(server.DataFolder);
            await File.WriteAllTextAsync(server.ConfigPath, server.Configuration(), cancellationToken);
            await server.RestartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops influxd gracefully (SIGTERM, so it closes its shards), killing it if it lingers.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is not null)
            {
                await kill.WaitForExitAsync();
            }
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
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

    /// <summary>Starts influxd (again) on the same port and data, returning once /ping answers.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        _process?.Dispose();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(_binary, ["run", "-config", ConfigPath])
            {
                UseShellExecute = false,
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

        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"influxd exited with code {process.ExitCode} on start (port {Port}):{Environment.NewLine}{RecentLog}");
            }

            if (await AnswersPingAsync(cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"influxd did not answer /ping on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{RecentLog}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }

        _http.Dispose();
        _folder.Dispose();
    }

    private string ConfigPath => _folder.Combine("influxdb.conf");

    private string Configuration() => string.Join('\n',
        "reporting-disabled = true",
        $"bind-address = \"127.0.0.1:{_rpcPort}\"",
        "[meta]",
        $"  dir = \"{DataFolder}/meta\"",
        "[data]",
        $"  dir = \"{DataFolder}/data\"",
        $"  wal-dir = \"{DataFolder}/wal\"",
        "  wal-fsync-delay = \"0s\"",
        "  query-log-enabled = false",
        "[monitor]",
        "  store-enabled = false",
        "[subscriber]",
        "  enabled = false",
        "[continuous_queries]",
        "  enabled = false",
        "[http]",
        "  enabled = true",
        $"  bind-address = \"127.0.0.1:{Port}\"",
        "  log-enabled = false",
        "  max-row-limit = 0",
        "[logging]",
        "  level = \"warn\"",
        "  suppress-logo = true",
        "");

    private async Task<bool> AnswersPingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(Url, "ping"), cancellationToken);
            return response.StatusCode == HttpStatusCode.NoContent;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
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

    private static string? FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(folder => Path.Combine(folder, "influxd"))
            .FirstOrDefault(File.Exists);
    }
}
