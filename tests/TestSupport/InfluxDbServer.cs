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

    private readonly TemporaryFolder _folder;
    private readonly int _rpcPort;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly ServerProcess _server;

    private InfluxDbServer(TemporaryFolder folder, int port, int rpcPort)
    {
        _folder = folder;
        Port = port;
        _rpcPort = rpcPort;
        _server = new ServerProcess("influxd", "/usr/bin", MissingBinaryMessage, ["run", "-config", ConfigPath], AnswersPingAsync,
            startTimeout: TimeSpan.FromSeconds(30), stopTimeout: TimeSpan.FromSeconds(15));
    }

    public int Port { get; }

    /// <summary>The HTTP API's base address, for example http://127.0.0.1:41234/.</summary>
    public Uri Url => new($"http://{IPAddress.Loopback}:{Port}/");

    /// <summary>Where influxd keeps meta, data and wal between restarts.</summary>
    public string DataFolder => _folder.Combine("influxdb");

    public bool IsRunning => _server.IsRunning;

    /// <summary>The last lines influxd wrote, for failure messages.</summary>
    public string RecentLog => _server.RecentLog;

    public static async Task<InfluxDbServer> StartAsync(CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync(cancellationToken);
            }
            catch (ServerPortTakenException) when (attempt < ServerProcess.PortAttempts)
            {
                // Another process bound one of the ports between our probe and influxd's bind: try others.
            }
        }
    }

    private static async Task<InfluxDbServer> StartOnFreePortsAsync(CancellationToken cancellationToken)
    {
        var folder = new TemporaryFolder("influxd");
        InfluxDbServer server;
        try
        {
            server = new InfluxDbServer(folder, EmbeddedBroker.FreeLoopbackPort(), EmbeddedBroker.FreeLoopbackPort());
        }
        catch
        {
            folder.Dispose();
            throw;
        }

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
    public Task StopAsync() => _server.StopAsync();

    /// <summary>Kills influxd outright (SIGKILL): only what its write-ahead log fsynced before answering survives.</summary>
    public Task KillAsync() => _server.KillAsync();

    /// <summary>Starts influxd (again) on the same port and data, returning once /ping answers.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        _server.RestartAsync($"answering /ping on 127.0.0.1:{Port}", cancellationToken);

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        _http.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
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
}
