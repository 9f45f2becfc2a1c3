using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// Mutual TLS against each real broker: besides its secret, an identity must present a client certificate issued by
/// the broker's authority. Without one, or with one from another authority, it is refused.
/// </summary>
public abstract class BrokerClientCertificateContract(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    protected const string Device = "edge-local-club-a";
    protected const string OtherDevice = "edge-local-club-b";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TemporaryFolder _folder = new("broker-mtls");

    protected ILoggerFactory Logs { get; } = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);

    protected IdentityStore Identities { get; private set; } = null!;

    protected BrokerCertificates Certificates { get; private set; } = null!;

    protected abstract string Host { get; }

    protected abstract int Port { get; }

    protected abstract Task StartBrokerAsync(string accessFolder, BrokerCertificates certificates);

    protected abstract Task StopBrokerAsync();

    public async Task InitializeAsync()
    {
        Identities = IdentityStore.Open(_folder.Combine("security"));
        Certificates = BrokerCertificates.Ensure(_folder.Combine("security", "tls"));
        foreach (var device in new[] { "club-a", "club-b" })
        {
            var name = Identity.DeviceName("local", device);
            Identities.Add(IdentityRole.Device, name, "local", device, LearningTasks.Swing);
            Certificates.IssueClientCertificate(name, Identities.SecretsFolder);
        }

        await StartBrokerAsync(Identities.Folder, Certificates);
    }

    public Task DisposeAsync() => StopBrokerAsync();

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task IdentityWithItsSecretAndCertificate_Connects_AndPublishes()
    {
        await using var client = new MqttConnectionFactory(Options(Identities.SecretsFolder), Logs).Create(Device);
        await client.ConnectAsync(new CancellationTokenSource(Patience).Token);

        await client.PublishAsync(Topics.Status("local", "club-a"), new byte[] { 1 }, retain: false, new CancellationTokenSource(Patience).Token);
    }

    [Fact]
    public async Task IdentityWithoutACertificate_IsRefused()
    {
        using var credentials = CredentialsOf(Device, certificateFrom: null);

        await AssertRefusedAsync(credentials.Path, Device);
    }

    [Fact]
    public async Task CertificateFromAnotherAuthority_IsRefused()
    {
        using var other = new TemporaryFolder("other-ca");
        var stranger = BrokerCertificates.Ensure(other.Path);
        using var credentials = CredentialsOf(Device, certificateFrom: null);
        stranger.IssueClientCertificate(Device, credentials.Path);

        await AssertRefusedAsync(credentials.Path, Device);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void ClientCertificates_AreKeptWhileCurrent_AndTheirKeysAreReadableByTheirOwnerOnly()
    {
        var (certificate, key) = BrokerCertificates.ClientCertificatePaths(Identities.SecretsFolder, Device);
        var issued = File.ReadAllText(certificate);

        Certificates.IssueClientCertificate(Device, Identities.SecretsFolder);

        Assert.Equal(issued, File.ReadAllText(certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
    }

    [Fact]
    public void RevokingAnIdentity_DeletesItsCertificateAndKey()
    {
        var (certificate, key) = BrokerCertificates.ClientCertificatePaths(Identities.SecretsFolder, OtherDevice);

        Assert.True(Identities.Revoke(OtherDevice));

        Assert.False(File.Exists(certificate) || File.Exists(key), "the revoked identity's certificate or key is still there");
    }

    protected BrokerOptions Options(string credentialsFolder) =>
        new() { Host = Host, Port = Port, CaCertificate = Certificates.CaPath, CredentialsFolder = credentialsFolder };

    /// <summary>A credentials folder holding <paramref name="name"/>'s secret and, if given, the certificate and key of <paramref name="certificateFrom"/> under its name.</summary>
    protected TemporaryFolder CredentialsOf(string name, string? certificateFrom)
    {
        var folder = new TemporaryFolder("credentials");
        File.Copy(IdentityStore.SecretPath(Identities.SecretsFolder, name), IdentityStore.SecretPath(folder.Path, name));
        if (certificateFrom is not null)
        {
            var (fromCertificate, fromKey) = BrokerCertificates.ClientCertificatePaths(Identities.SecretsFolder, certificateFrom);
            var (toCertificate, toKey) = BrokerCertificates.ClientCertificatePaths(folder.Path, name);
            File.Copy(fromCertificate, toCertificate);
            File.Copy(fromKey, toKey);
        }

        return folder;
    }

    protected async Task AssertRefusedAsync(string credentialsFolder, string clientId)
    {
        await using var client = new MqttConnectionFactory(Options(credentialsFolder), Logs).Create(clientId);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token));
    }
}
