using Microsoft.Extensions.Logging;
using Pipeline.Simulation.Golf;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;

namespace Pipeline.EdgeAgent.Tests.ModelUpdates;

/// <summary>
/// A model fetched from a mosquitto that speaks only TLS and admits only identities with their passwords: the download
/// travels over a connection the factory made from the agent's broker options, so it carries both.
/// </summary>
public sealed class SecuredModelDeliveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const string Device = "club-secured";

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("secured-delivery");

    [Fact]
    public async Task ModelFromABrokerRequiringTlsAndPasswords_IsFetchedInChunksAndAdopted()
    {
        var identities = IdentityStore.Open(_folder.Combine("security"));
        var deviceName = Identity.DeviceName(Topics.DefaultSite, Device);
        identities.Add(IdentityRole.Device, deviceName, Topics.DefaultSite, Device, LearningTasks.Swing);
        identities.Add(IdentityRole.Trainer, "pipeline-trainer");
        var certificates = BrokerCertificates.Ensure(_folder.Combine("tls"));
        await using var mosquitto = await MosquittoBroker.StartAsync(accessFolder: identities.Folder, tls: certificates);
        var broker = new BrokerOptions { Host = mosquitto.Host, Port = mosquitto.Port, CaCertificate = certificates.CaPath, CredentialsFolder = identities.SecretsFolder };

        // What a connection copying only host and port would get: nothing.
        await using (var bare = new MqttConnectionFactory(new BrokerOptions { Host = mosquitto.Host, Port = mosquitto.Port }, _loggers).Create(deviceName))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bare.ConnectAsync(new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token));
        }

        await using var trainer = await TopicRecorder.StartAsIdentityAsync(broker, "pipeline-trainer", _loggers.CreateLogger("trainer"));
        var (manifest, artifact) = BuildModel(LearningTasks.Swing, 1, GolfClubSimulator.ClassNames, ArtifactChunks.MinChunkBytes);
        Assert.True(manifest.Chunks!.Count > 1, $"{manifest.Chunks.Count} chunks");
        await AnnounceAsync(trainer, manifest, artifact);

        var worker = AgentFactory.Create(broker, AgentFactory.Golf(Device, _folder.Combine(Device)), _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => worker.ModelVersion == manifest.Version, Patience, "the model fetched over TLS with the device's password is adopted");
            Assert.Equal(manifest.Chunks.Count, worker.Snapshot().ModelChunksFetched);
        }
        finally
        {
            await AgentFactory.StopAsync(worker);
        }
    }

    public void Dispose() => _folder.Dispose();
}
