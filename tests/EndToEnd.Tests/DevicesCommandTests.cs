using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.Runner.Devices;
using Pipeline.Runner.Up;

namespace Pipeline.EndToEnd.Tests;

public sealed class DevicesCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("devices-command-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task AddedDevice_ConnectsWithItsSecret_AndOnceRevokedIsRefused()
    {
        var identities = IdentityStore.Open(LoopIdentities.Folder(_folder));
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { IdentitiesPath = identities.IdentitiesPath }, NullLogger.Instance, CancellationToken.None);
        var options = new BrokerOptions { Host = broker.Host, Port = broker.Port, CredentialsFolder = identities.SecretsFolder, ReconnectMaxDelay = TimeSpan.FromSeconds(0.2) };
        var name = Identity.DeviceName("field-2", "club-9");

        Assert.Equal(DevicesCommand.ExitOk, await RunAsync("add", "--id", "club-9", "--site", "field-2", "--task", LearningTasks.Swing, "--data", _folder));
        await using (var device = new MqttConnectionFactory(options, NullLoggerFactory.Instance).Create(name))
        {
            await device.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
            await device.PublishAsync(Topics.Motion("field-2", "club-9"), new byte[] { 1 }, retain: false, CancellationToken.None);
        }

        var secret = identities.ReadSecret(name);
        Assert.Equal(DevicesCommand.ExitOk, await RunAsync("revoke", "--id", "club-9", "--site", "field-2", "--data", _folder));
        var withOldSecret = new BrokerOptions { Host = broker.Host, Port = broker.Port, Password = secret!, ReconnectMaxDelay = TimeSpan.FromSeconds(0.2) };
        await using var revoked = new MqttConnectionFactory(withOldSecret, NullLoggerFactory.Instance).Create(name);
        var connecting = revoked.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);
    }

    [Fact]
    public async Task OnceTheLoopHasAnAuthority_AnAddedDeviceGetsAClientCertificate_AndConnectsOverMutualTls()
    {
        var identities = IdentityStore.Open(LoopIdentities.Folder(_folder));
        var tls = BrokerCertificates.Ensure(LoopIdentities.TlsFolder(_folder));
        using var serverCertificate = tls.LoadServerCertificate();
        using var authority = BrokerCertificates.LoadAuthority(tls.CaPath);
        await using var broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings
        {
            IdentitiesPath = identities.IdentitiesPath,
            TlsCertificate = serverCertificate,
            ClientAuthority = authority,
        }, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(DevicesCommand.ExitOk, await RunAsync("add", "--id", "club-7", "--task", LearningTasks.Swing, "--data", _folder));

        var options = new BrokerOptions { Host = broker.Host, Port = broker.Port, CredentialsFolder = identities.SecretsFolder, CaCertificate = tls.CaPath };
        await using var device = new MqttConnectionFactory(options, NullLoggerFactory.Instance).Create(Identity.DeviceName(Topics.DefaultSite, "club-7"));
        await device.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
    }

    [Theory]
    [InlineData("add", "--id", "club/1", "--task", "swing")]
    [InlineData("add", "--id", "club-1", "--task", "tennis")]
    public async Task Add_WithABadIdOrTask_FailsNamingIt(params string[] args) =>
        Assert.Equal(DevicesCommand.ExitBadArguments, await RunAsync([.. args, "--data", _folder]));

    [Fact]
    public async Task AddTwice_AndRevokeOfAnUnknownDevice_Fail()
    {
        Assert.Equal(DevicesCommand.ExitOk, await RunAsync("add", "--id", "scope-4", "--task", LearningTasks.Droplet, "--data", _folder));
        Assert.Equal(DevicesCommand.ExitFailed, await RunAsync("add", "--id", "scope-4", "--task", LearningTasks.Droplet, "--data", _folder));
        Assert.Equal(DevicesCommand.ExitFailed, await RunAsync("revoke", "--id", "scope-5", "--data", _folder));
        Assert.Equal(DevicesCommand.ExitOk, await RunAsync("list", "--json", "--data", _folder));
    }

    private static Task<int> RunAsync(params string[] args) => new RootCommand { DevicesCommand.Create() }.Parse(["devices", .. args]).InvokeAsync();
}
