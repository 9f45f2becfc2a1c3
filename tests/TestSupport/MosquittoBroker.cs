using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.TestSupport;

/// <summary>
/// Debian's mosquitto, started from a generated configuration in a temporary folder and bound to 127.0.0.1
/// on a free port, with persistence on, so a test can stop and restart it on the same port and data.
/// A missing binary fails the test loudly; tests never skip for want of a server.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string MissingBinaryMessage = "mosquitto not found: install Debian package 'mosquitto' (./test.sh does)";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private const int MaxLogLines = 200;

    private readonly string _binary;
    private readonly TemporaryFolder _folder;
    private readonly Queue<string> _log = new();
    private Process? _process;

    private MosquittoBroker(string binary, TemporaryFolder folder, int port)
    {
        _binary = binary;
        _folder = folder;
        Port = port;
    }

    public string Host => IPAddress.Loopback.ToString();

    public int Port { get; }

    /// <summary>Where mosquitto keeps its persistence file between restarts.</summary>
    public string DataFolder => _folder.Combine("data");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines mosquitto wrote, for failure messages.</summary>
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

    public BrokerOptions ToOptions() => new() { Host = Host, Port = Port };

    public static async Task<MosquittoBroker> StartAsync(CancellationToken cancellationToken = default)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(MissingBinaryMessage);
        var folder = new TemporaryFolder("mosquitto");
        var broker = new MosquittoBroker(binary, folder, EmbeddedBroker.FreeLoopbackPort());
        try
        {
            Directory.CreateDirectory(broker.DataFolder);
            await File.WriteAllTextAsync(broker.ConfigPath, broker.Configuration(), cancellationToken);
            await broker.RestartAsync(cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops mosquitto gracefully (SIGTERM, so it writes its persistence file), killing it if it lingers.</summary>
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

    /// <summary>Starts mosquitto (again) on the same port and data, returning once the port accepts connections.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        _process?.Dispose();
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(_binary, ["-c", ConfigPath])
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
                throw new InvalidOperationException($"mosquitto exited with code {process.ExitCode} on start (port {Port}):{Environment.NewLine}{RecentLog}");
            }

            if (await AcceptsConnectionsAsync(cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"mosquitto did not accept connections on 127.0.0.1:{Port} within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{RecentLog}");
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

        _folder.Dispose();
    }

    private string ConfigPath => _folder.Combine("mosquitto.conf");

    private string Configuration() => string.Join('\n',
        $"listener {Port} 127.0.0.1",
        "allow_anonymous true",
        "persistence true",
        $"persistence_location {DataFolder}/",
        // As root, mosquitto otherwise drops to the 'mosquitto' user and cannot write the temporary folder.
        "user root",
        "set_tcp_nodelay true",
        "max_queued_messages 100000",
        "max_inflight_messages 1000",
        "log_dest stderr",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "");

    private async Task<bool> AcceptsConnectionsAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            return true;
        }
        catch (SocketException)
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
            .Append("/usr/sbin")
            .Select(folder => System.IO.Path.Combine(folder, "mosquitto"))
            .FirstOrDefault(File.Exists);
    }
}
