using System.Net;
using System.Net.Sockets;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.TestSupport;

/// <summary>
/// Debian's mosquitto, started from the configuration the repository ships (deploy/mosquitto/mosquitto.conf), with
/// only its listener port, its data folder and its user changed, bound to 127.0.0.1 on a free port, so a test can
/// stop and restart it on the same port and data and sees exactly what a user who follows the README gets.
/// A missing binary fails the test loudly; tests never skip for want of a server.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    public const string ShippedConfiguration = "deploy/mosquitto/mosquitto.conf";

    public const string MissingBinaryMessage = "mosquitto not found: install Debian package 'mosquitto' (./test.sh does)";

    private readonly TemporaryFolder _folder;
    private readonly ServerProcess _server;

    private readonly string? _accessFolder;
    private readonly BrokerCertificates? _tls;
    private readonly bool _requireClientCertificates;

    private MosquittoBroker(TemporaryFolder folder, int port, string? accessFolder, BrokerCertificates? tls, bool requireClientCertificates)
    {
        _folder = folder;
        _accessFolder = accessFolder;
        _tls = tls;
        _requireClientCertificates = requireClientCertificates;
        Port = port;
        _server = new ServerProcess("mosquitto", "/usr/sbin", MissingBinaryMessage, ["-c", ConfigPath], AcceptsConnectionsAsync,
            startTimeout: TimeSpan.FromSeconds(15), stopTimeout: TimeSpan.FromSeconds(10));
    }

    public string Host => IPAddress.Loopback.ToString();

    public int Port { get; }

    /// <summary>Where mosquitto keeps its persistence file between restarts.</summary>
    public string DataFolder => _folder.Combine("data");

    public bool IsRunning => _server.IsRunning;

    /// <summary>The last lines mosquitto wrote, for failure messages.</summary>
    public string RecentLog => _server.RecentLog;

    public BrokerOptions ToOptions() => new() { Host = Host, Port = Port };

    /// <summary>
    /// Starts mosquitto; with <paramref name="accessFolder"/> (an identity store's folder) it admits only those identities
    /// and enforces their topic rules through the password and ACL files rendered there, as a secured deployment does;
    /// with <paramref name="tls"/> its listener speaks only TLS, with that certificate, and with
    /// <paramref name="requireClientCertificates"/> it also requires a client certificate from the same authority.
    /// </summary>
    public static async Task<MosquittoBroker> StartAsync(string? accessFolder = null, BrokerCertificates? tls = null, bool requireClientCertificates = false,
        CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnAFreePortAsync(accessFolder, tls, requireClientCertificates, cancellationToken);
            }
            catch (ServerPortTakenException) when (attempt < ServerProcess.PortAttempts)
            {
                // Another process bound the port between our probe and mosquitto's bind: try another.
            }
        }
    }

    private static async Task<MosquittoBroker> StartOnAFreePortAsync(string? accessFolder, BrokerCertificates? tls, bool requireClientCertificates,
        CancellationToken cancellationToken)
    {
        var folder = new TemporaryFolder("mosquitto");
        MosquittoBroker broker;
        try
        {
            broker = new MosquittoBroker(folder, EmbeddedBroker.FreeLoopbackPort(), accessFolder, tls, requireClientCertificates);
        }
        catch
        {
            folder.Dispose();
            throw;
        }

        try
        {
            Directory.CreateDirectory(broker.DataFolder);
            var shipped = await File.ReadAllTextAsync(RepositoryFiles.Find(ShippedConfiguration), cancellationToken);
            await File.WriteAllTextAsync(broker.ConfigPath, broker.Configuration(shipped), cancellationToken);
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
    public Task StopAsync() => _server.StopAsync();

    /// <summary>Freezes mosquitto (SIGSTOP): clients stay connected, and what they publish is neither read nor acknowledged until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => _server.PauseAsync();

    /// <summary>Lets a paused mosquitto run on: it reads what its clients sent meanwhile, in order.</summary>
    public Task ResumeAsync() => _server.ResumeAsync();

    /// <summary>Kills mosquitto with SIGKILL: it saves nothing on the way out.</summary>
    public Task KillAsync() => _server.KillAsync();

    /// <summary>When mosquitto last wrote its persistence file (its database), or null before the first write.</summary>
    public DateTime? LastSavedUtc => File.Exists(Path.Combine(DataFolder, "mosquitto.db")) ? File.GetLastWriteTimeUtc(Path.Combine(DataFolder, "mosquitto.db")) : null;

    /// <summary>Starts mosquitto (again) on the same port and data, returning once the port accepts connections.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) =>
        _server.RestartAsync($"accepting connections on 127.0.0.1:{Port}", cancellationToken);

    public ValueTask DisposeAsync()
    {
        _server.Dispose();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    private string ConfigPath => _folder.Combine("mosquitto.conf");

    /// <summary>The shipped configuration with this instance's port and data folder; everything else as shipped.</summary>
    private string Configuration(string shipped)
    {
        var lines = shipped.Split('\n').Select(line => line.Split(' ', 2)[0] switch
        {
            "listener" => $"listener {Port} 127.0.0.1",
            "persistence_location" => $"persistence_location {DataFolder}/",
            "allow_anonymous" when _accessFolder is not null => "",
            _ => line,
        });
        if (_accessFolder is not null)
        {
            lines = lines.Concat(MosquittoAccessFiles.ConfigurationLines(_accessFolder));
        }

        if (_tls is not null)
        {
            // Listener options: they apply to the one listener the shipped configuration declares.
            lines = lines.Concat([$"cafile {_tls.CaPath}", $"certfile {_tls.CertificatePath}", $"keyfile {_tls.KeyPath}",
                _requireClientCertificates ? "require_certificate true" : ""]);
        }

        // As root, mosquitto otherwise drops to the 'mosquitto' user and cannot write the temporary folder.
        return string.Join('\n', [.. lines, "user root", ""]);
    }

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
}
