using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// A broker listening with TLS, against each real broker: clients that trust its authority connect, a plain-TCP client
/// and a client trusting another authority (a stand-in broker of an attacker's) do not.
/// </summary>
public abstract class BrokerTlsContract(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TemporaryFolder _folder = new("broker-tls");

    protected ILoggerFactory Logs { get; } = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);

    protected BrokerCertificates Certificates { get; private set; } = null!;

    protected abstract string Host { get; }

    protected abstract int Port { get; }

    protected abstract Task StartBrokerAsync(BrokerCertificates certificates);

    protected abstract Task StopBrokerAsync();

    public async Task InitializeAsync()
    {
        Certificates = BrokerCertificates.Ensure(_folder.Combine("tls"));
        await StartBrokerAsync(Certificates);
    }

    public Task DisposeAsync() => StopBrokerAsync();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task ClientTrustingTheBrokersAuthority_ConnectsOverTls_AndMessagesFlow()
    {
        var options = new BrokerOptions { Host = Host, Port = Port, CaCertificate = Certificates.CaPath };
        await using var subscriber = new MqttConnectionFactory(options, Logs).Create("tls-subscriber");
        await using var publisher = new MqttConnectionFactory(options, Logs).Create("tls-publisher");
        var received = Channel.CreateUnbounded<byte>();
        await subscriber.ConnectAsync(new CancellationTokenSource(Patience).Token);
        await subscriber.SubscribeAsync("tls/t", (m, ct) => received.Writer.WriteAsync(m.Payload[0], ct).AsTask(), CancellationToken.None);
        await publisher.ConnectAsync(new CancellationTokenSource(Patience).Token);

        await publisher.PublishAsync("tls/t", new byte[] { 42 }, retain: false, CancellationToken.None);

        Assert.Equal(42, await received.Reader.ReadAsync(new CancellationTokenSource(Patience).Token));
    }

    [Fact]
    public async Task PlainTcpClient_CannotConnect()
    {
        await using var plain = new MqttConnectionFactory(new BrokerOptions { Host = Host, Port = Port }, Logs).Create("plain");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => plain.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token));
    }

    [Fact]
    public async Task ClientTrustingAnotherAuthority_RefusesTheBroker()
    {
        using var other = new TemporaryFolder("other-ca");
        var stranger = BrokerCertificates.Ensure(other.Path);
        await using var client = new MqttConnectionFactory(new BrokerOptions { Host = Host, Port = Port, CaCertificate = stranger.CaPath }, Logs).Create("wary");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Certificates_AreKeptAcrossRestarts_AndKeysAreReadableByTheirOwnerOnly()
    {
        var again = BrokerCertificates.Ensure(Certificates.Folder);

        Assert.Equal(File.ReadAllText(Certificates.CertificatePath), File.ReadAllText(again.CertificatePath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Certificates.KeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Certificates.CaKeyPath));
    }
}
