using Microsoft.Extensions.Logging;
using Pipeline.Deploy.Tests.Brokers;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Deploy.Tests;

/// <summary>
/// The broker configuration the dev and gpu overlays ship, on a real mosquitto: ingest connects with its secret on the
/// cluster listener; devices connect only with their secret and a client certificate over TLS on the device listener;
/// anonymous clients are refused on both.
/// </summary>
public sealed class KubernetesMosquittoTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Ingest = "pipeline-ingest";
    private static readonly string Device = Identity.DeviceName("local", "club-7");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TemporaryFolder _folder = new("k8s-broker");
    private readonly ILoggerFactory _logs = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private IdentityStore _identities = null!;
    private BrokerCertificates _tls = null!;
    private KubernetesMosquitto? _broker;

    public async Task InitializeAsync()
    {
        _identities = IdentityStore.Open(_folder.Combine("security"));
        _tls = BrokerCertificates.Ensure(_folder.Combine("security", "tls"));
        _identities.Add(IdentityRole.Ingest, Ingest);
        _identities.Add(IdentityRole.Device, Device, "local", "club-7", LearningTasks.Swing);
        _tls.IssueClientCertificate(Device, _identities.SecretsFolder);
        _broker = await KubernetesMosquitto.StartAsync(_identities.Folder, _tls);
    }

    public Task DisposeAsync()
    {
        _broker?.Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _logs.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public async Task Ingest_on_the_cluster_listener_receives_through_a_shared_subscription_what_a_device_sends_over_TLS()
    {
        var received = new TaskCompletionSource<MqttIncomingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timeout = new CancellationTokenSource(Patience);
        await using var ingest = new MqttConnectionFactory(_broker!.ClusterOptions(_identities.SecretsFolder), _logs).Create(Ingest);
        await ingest.ConnectAsync(timeout.Token);
        await ingest.SubscribeAsync(Topics.Shared("ingest", Topics.AllDevices(TelemetryStream.Motion)), (message, _) =>
        {
            received.TrySetResult(message);
            return Task.CompletedTask;
        }, timeout.Token);
        await using var device = new MqttConnectionFactory(_broker.DeviceOptions(_identities.SecretsFolder, _tls.CaPath), _logs).Create(Device);
        await device.ConnectAsync(timeout.Token);

        await device.PublishAsync(Topics.Motion("local", "club-7"), new byte[] { 7 }, retain: false, timeout.Token);

        var message = await received.Task.WaitAsync(timeout.Token);
        Assert.Equal(Topics.Motion("local", "club-7"), message.Topic);
        Assert.Equal([7], message.Payload);
    }

    [Fact]
    public async Task An_anonymous_client_is_refused_on_the_cluster_listener()
    {
        using var empty = new TemporaryFolder("no-credentials");

        await AssertRefusedAsync(_broker!.ClusterOptions(empty.Path), Ingest);
    }

    [Fact]
    public async Task A_device_with_its_secret_and_certificate_connects_over_TLS_and_publishes_its_status()
    {
        await using var device = new MqttConnectionFactory(_broker!.DeviceOptions(_identities.SecretsFolder, _tls.CaPath), _logs).Create(Device);
        await device.ConnectAsync(new CancellationTokenSource(Patience).Token);

        await device.PublishAsync(Topics.Status("local", "club-7"), new byte[] { 1 }, retain: false, new CancellationTokenSource(Patience).Token);
    }

    [Fact]
    public async Task A_device_without_a_client_certificate_is_refused_on_the_device_listener()
    {
        using var secretOnly = new TemporaryFolder("secret-only");
        File.Copy(IdentityStore.SecretPath(_identities.SecretsFolder, Device), IdentityStore.SecretPath(secretOnly.Path, Device));

        await AssertRefusedAsync(_broker!.DeviceOptions(secretOnly.Path, _tls.CaPath), Device);
    }

    [Fact]
    public async Task A_plain_TCP_client_is_refused_on_the_device_listener()
    {
        var plain = _broker!.DeviceOptions(_identities.SecretsFolder, _tls.CaPath);
        plain.CaCertificate = "";

        await AssertRefusedAsync(plain, Device);
    }

    private async Task AssertRefusedAsync(BrokerOptions options, string clientId)
    {
        await using var client = new MqttConnectionFactory(options, _logs).Create(clientId);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(3)).Token));
    }
}
