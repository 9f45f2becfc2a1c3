using System.Net;
using System.Net.Sockets;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Deploy.Tests.Brokers;

/// <summary>
/// Debian's mosquitto running deploy/k8s/brokers/mosquitto/mosquitto.conf as the pod does, with only what the pod's mounts
/// decide replaced: the folders (access files, TLS files, data) and the two listeners' addresses, here free loopback
/// ports. Everything else, identities, topic rules, TLS and client certificates on the device listener, is the shipped file.
/// </summary>
public sealed class KubernetesMosquitto : IDisposable
{
    public const string Configuration = "deploy/k8s/brokers/mosquitto/mosquitto.conf";

    private readonly TemporaryFolder _folder;
    private readonly ServerProcess _server;

    private KubernetesMosquitto(TemporaryFolder folder, int clusterPort, int devicePort)
    {
        _folder = folder;
        ClusterPort = clusterPort;
        DevicePort = devicePort;
        _server = new ServerProcess("mosquitto", "/usr/sbin", MosquittoBroker.MissingBinaryMessage, ["-c", folder.Combine("mosquitto.conf")],
            BothListenersAcceptAsync, startTimeout: TimeSpan.FromSeconds(15), stopTimeout: TimeSpan.FromSeconds(10));
    }

    /// <summary>The plain listener ingest and the trainer use inside the cluster (1883 in the pod).</summary>
    public int ClusterPort { get; }

    /// <summary>The mutual-TLS listener for devices (8883 in the pod).</summary>
    public int DevicePort { get; }

    public static async Task<KubernetesMosquitto> StartAsync(string accessFolder, BrokerCertificates tls)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnFreePortsAsync(accessFolder, tls);
            }
            catch (ServerPortTakenException) when (attempt < ServerProcess.PortAttempts)
            {
                // Another process bound a port between our probe and mosquitto's bind: try others.
            }
        }
    }

    private static async Task<KubernetesMosquitto> StartOnFreePortsAsync(string accessFolder, BrokerCertificates tls)
    {
        var folder = new TemporaryFolder("k8s-mosquitto");
        var broker = new KubernetesMosquitto(folder, EmbeddedBroker.FreeLoopbackPort(), EmbeddedBroker.FreeLoopbackPort());
        try
        {
            Directory.CreateDirectory(folder.Combine("data"));
            var shipped = await File.ReadAllTextAsync(RepositoryFiles.Find(Configuration));
            var local = shipped
                .Replace("listener 1883 0.0.0.0", $"listener {broker.ClusterPort} 127.0.0.1", StringComparison.Ordinal)
                .Replace("listener 8883 0.0.0.0", $"listener {broker.DevicePort} 127.0.0.1", StringComparison.Ordinal)
                .Replace("/mosquitto/access/", accessFolder + "/", StringComparison.Ordinal)
                .Replace("/mosquitto/tls/", tls.Folder + "/", StringComparison.Ordinal)
                .Replace("/mosquitto/data/", folder.Combine("data") + "/", StringComparison.Ordinal);
            Assert.DoesNotContain(local.Split('\n'), line => line.Contains(" /mosquitto/", StringComparison.Ordinal));
            // As root (CI), mosquitto would otherwise drop to the 'mosquitto' user, which cannot read the temporary folders.
            await File.WriteAllTextAsync(folder.Combine("mosquitto.conf"), local + "\nuser root\n");
            await broker._server.RestartAsync($"accepting connections on 127.0.0.1:{broker.ClusterPort} and :{broker.DevicePort}", CancellationToken.None);
            return broker;
        }
        catch
        {
            broker.Dispose();
            throw;
        }
    }

    public BrokerOptions ClusterOptions(string credentialsFolder) =>
        new() { Host = IPAddress.Loopback.ToString(), Port = ClusterPort, CredentialsFolder = credentialsFolder };

    public BrokerOptions DeviceOptions(string credentialsFolder, string caCertificate) =>
        new() { Host = "localhost", Port = DevicePort, CredentialsFolder = credentialsFolder, CaCertificate = caCertificate };

    public void Dispose()
    {
        _server.Dispose();
        _folder.Dispose();
    }

    private async Task<bool> BothListenersAcceptAsync(CancellationToken cancellationToken) =>
        await AcceptsAsync(ClusterPort, cancellationToken) && await AcceptsAsync(DevicePort, cancellationToken);

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
