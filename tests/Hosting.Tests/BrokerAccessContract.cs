using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// Identities and topic rules, enforced the same way by every broker: the embedded one through its interceptors,
/// mosquitto through the password and ACL files rendered from the same policy.
/// </summary>
public abstract class BrokerAccessContract(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly byte[] One = [1];
    private readonly TemporaryFolder _folder = new("broker-access");
    private readonly List<IAsyncDisposable> _owned = [];

    protected ILoggerFactory Logs { get; } = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);

    protected IdentityStore Identities { get; private set; } = null!;

    protected abstract string Host { get; }

    protected abstract int Port { get; }

    private static string Club1 => Identity.DeviceName("local", "club-1");

    protected static string Club2 => Identity.DeviceName("local", "club-2");

    protected abstract Task StartBrokerAsync(string accessFolder);

    protected abstract Task StopBrokerAsync();

    public async Task InitializeAsync()
    {
        Identities = IdentityStore.Open(_folder.Combine("security"));
        Identities.Add(IdentityRole.Device, Club1, "local", "club-1", LearningTasks.Swing);
        Identities.Add(IdentityRole.Device, Club2, "local", "club-2", LearningTasks.Swing);
        Identities.Add(IdentityRole.Ingest, "pipeline-ingest");
        Identities.Add(IdentityRole.Trainer, "pipeline-trainer");
        await StartBrokerAsync(Identities.Folder);
    }

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        await StopBrokerAsync();
    }

    public void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task AnonymousClient_IsRefused()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options("anybody").Build());

        Assert.NotEqual(MqttClientConnectResultCode.Success, result.ResultCode);
    }

    [Fact]
    public async Task WrongSecret_IsRefused()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options(Club1).WithCredentials(Club1, "not-the-secret").Build());

        Assert.NotEqual(MqttClientConnectResultCode.Success, result.ResultCode);
    }

    [Fact]
    public async Task Device_PublishesUnderItsOwnTopics_ButPublishingAsAnotherDeviceIsRefused()
    {
        var club1 = await ConnectAsync(Club1);

        await club1.PublishAsync(Topics.Motion("local", "club-1"), One, retain: false, CancellationToken.None);
        var error = await Assert.ThrowsAsync<MqttPublishException>(() => club1.PublishAsync(Topics.Motion("local", "club-2"), One, retain: false, CancellationToken.None));

        Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Device_PublishingAModel_IsRefused_TheTrainerIsNot()
    {
        var club1 = await ConnectAsync(Club1);
        var trainer = await ConnectAsync("pipeline-trainer");

        await Assert.ThrowsAsync<MqttPublishException>(() => club1.PublishAsync(Topics.ModelManifest(LearningTasks.Swing), One, retain: true, CancellationToken.None));
        await trainer.PublishAsync(Topics.ModelManifest(LearningTasks.Droplet), One, retain: false, CancellationToken.None);
    }

    [Fact]
    public async Task Ingest_ReadsEveryDevicesTelemetry_ButPublishesNothing()
    {
        var ingest = await ConnectAsync("pipeline-ingest");
        var received = Channel.CreateUnbounded<string>();
        await ingest.SubscribeAsync(Topics.AllDevices(TelemetryStream.Motion), (m, ct) => received.Writer.WriteAsync(m.Topic, ct).AsTask(), CancellationToken.None);
        var club2 = await ConnectAsync(Club2);

        await club2.PublishAsync(Topics.Motion("local", "club-2"), One, retain: false, CancellationToken.None);

        Assert.Equal(Topics.Motion("local", "club-2"), await received.Reader.ReadAsync(new CancellationTokenSource(Patience).Token));
        await Assert.ThrowsAsync<MqttPublishException>(() => ingest.PublishAsync(Topics.Motion("local", "club-2"), One, retain: false, CancellationToken.None));
    }

    [Fact]
    public async Task Device_SubscribingToAnotherDevicesTelemetry_ReceivesNothingOfIt()
    {
        var club1 = await ConnectAsync(Club1);
        var received = Channel.CreateUnbounded<string>();
        Task Record(MqttIncomingMessage m, CancellationToken ct) => received.Writer.WriteAsync(m.Topic, ct).AsTask();
        try
        {
            // The embedded broker refuses the SUBACK; mosquitto grants it but delivers nothing. Either way nothing leaks.
            await club1.SubscribeAsync(Topics.Motion("local", "club-2"), Record, CancellationToken.None);
        }
        catch (MqttPublishException)
        {
        }

        await club1.SubscribeAsync(Topics.Status("local", "club-1"), Record, CancellationToken.None);
        var club2 = await ConnectAsync(Club2);
        await club2.PublishAsync(Topics.Motion("local", "club-2"), One, retain: false, CancellationToken.None);
        await club1.PublishAsync(Topics.Status("local", "club-1"), One, retain: false, CancellationToken.None);

        // The marker on its own topic was published after club-2's message, so that one would have arrived first.
        Assert.Equal(Topics.Status("local", "club-1"), await received.Reader.ReadAsync(new CancellationTokenSource(Patience).Token));
        Assert.False(received.Reader.TryRead(out var leaked), $"club-1 received {leaked}");
    }

    [Fact]
    public async Task ClientReusingIngestsClientId_CannotTakeOverItsSession()
    {
        var ingest = await ConnectAsync("pipeline-ingest");
        var kicked = false;
        using var intruder = new MqttClientFactory().CreateMqttClient();

        // With a device's valid credentials but ingest's client id: refused, or given its own id (mosquitto's
        // use_username_as_clientid); with ingest's name but no secret: refused.
        await intruder.ConnectAsync(Options("pipeline-ingest").WithCredentials(Club1, Identities.ReadSecret(Club1)).Build());
        if (intruder.IsConnected)
        {
            await intruder.DisconnectAsync();
        }

        var result = await intruder.ConnectAsync(Options("pipeline-ingest").WithCredentials("pipeline-ingest", "guess").Build());
        Assert.NotEqual(MqttClientConnectResultCode.Success, result.ResultCode);

        var received = Channel.CreateUnbounded<string>();
        await ingest.SubscribeAsync(Topics.AllDevices(TelemetryStream.Status), (m, ct) => received.Writer.WriteAsync(m.Topic, ct).AsTask(), CancellationToken.None);
        var club2 = await ConnectAsync(Club2);
        await club2.PublishAsync(Topics.Status("local", "club-2"), One, retain: false, CancellationToken.None);
        await received.Reader.ReadAsync(new CancellationTokenSource(Patience).Token);
        kicked = !ingest.IsConnected;
        Assert.False(kicked, "ingest lost its connection to the intruder");
    }

    [Fact]
    public async Task RevokedIdentity_IsRefusedOnItsNextConnection()
    {
        Assert.True(Identities.Revoke(Club2));
        await ReloadAsync();

        using var client = new MqttClientFactory().CreateMqttClient();
        var secretless = await client.ConnectAsync(Options(Club2).WithCredentials(Club2, "whatever-it-was").Build());

        Assert.NotEqual(MqttClientConnectResultCode.Success, secretless.ResultCode);
        Assert.Null(Identities.ReadSecret(Club2));
    }

    /// <summary>Makes the broker pick up a changed identity file (mosquitto reloads on SIGHUP; the embedded one on its own).</summary>
    protected abstract Task ReloadAsync();

    private MqttClientOptionsBuilder Options(string clientId) =>
        new MqttClientOptionsBuilder().WithTcpServer(Host, Port).WithClientId(clientId).WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(Patience);

    protected async Task<MqttConnection> ConnectAsync(string identity)
    {
        var connection = new MqttConnectionFactory(new BrokerOptions { Host = Host, Port = Port, CredentialsFolder = Identities.SecretsFolder }, Logs).Create(identity);
        _owned.Add(connection);
        await connection.ConnectAsync(new CancellationTokenSource(Patience).Token);
        return connection;
    }
}
