using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Simulation.Golf;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;

namespace Pipeline.EdgeAgent.Tests.ModelUpdates;

/// <summary>
/// Real agents following decisions through mosquitto: a rollback moves them back to a lower version, an old
/// announcement replayed is refused (and stays refused after a restart), and a newer decision for the model they run
/// costs no download. Each test starts its own broker: another test's retained manifest would be an announcement too.
/// </summary>
public sealed class ModelDecisionFollowingTests(ITestOutputHelper output) : IDisposable
{
    private const long Decided = 1_780_000_000_000_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("decisions");

    [Fact]
    public async Task Rollback_MovesTheDeviceBack_AndTheReplayedNewerVersionIsRefused_AlsoAfterARestart()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var broker = mosquitto.ToOptions();
        const string device = "club-rollback";
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), Topics.Status(Topics.DefaultSite, device));
        var (v1, v1Artifact) = Model(1);
        var (v2, v2Artifact) = Model(2);
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        var worker = AgentFactory.Create(broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await AnnounceAsync(recorder, Decide(v1, 1, ModelDecision.Publish), v1Artifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == 1, Patience, "v1 runs");
            await AnnounceAsync(recorder, Decide(v2, 2, ModelDecision.Publish), v2Artifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == 2, Patience, "v2 runs");

            await PublishManifestAsync(recorder, Decide(v1, 3, ModelDecision.Rollback));
            await Eventually.TrueAsync(() => worker.ModelVersion == 1, Patience, "the rollback brings v1 back");
            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.ModelVersion == 1 && s.Message!.Contains("rollback", StringComparison.Ordinal)), Patience,
                "the device says it runs v1 by a rollback");

            await PublishManifestAsync(recorder, Decide(v2, 2, ModelDecision.Publish));
            var refusal = await RefusalAsync(recorder, device);
            Assert.Equal(2, refusal.Version);
            Assert.Contains("replayed", refusal.Reason, StringComparison.Ordinal);
            Assert.Equal(1, worker.ModelVersion);
        }
        finally
        {
            await AgentFactory.StopAsync(worker);
        }

        // The replayed v2 is what the broker retains now; the restarted device starts from its stored v1 and its decision.
        var restarted = AgentFactory.Create(broker, options, _loggers);
        var before = Statuses(recorder, device).Count;
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            var refusal = await RefusalAsync(recorder, device, before);
            Assert.Equal(2, refusal.Version);
            Assert.Equal(1, restarted.ModelVersion);
        }
        finally
        {
            await AgentFactory.StopAsync(restarted);
        }
    }

    [Fact]
    public async Task ANewerDecisionForTheRunningModel_IsKeptWithoutADownload()
    {
        await using var mosquitto = await MosquittoBroker.StartAsync();
        var broker = mosquitto.ToOptions();
        const string device = "club-promoted";
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), Topics.Status(Topics.DefaultSite, device));
        var (v1, artifact) = Model(1);
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        var worker = AgentFactory.Create(broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await AnnounceAsync(recorder, Decide(v1, 1, ModelDecision.Publish), artifact);
            await Eventually.TrueAsync(() => worker.ModelVersion == 1, Patience, "v1 runs");
            var fetched = worker.Snapshot().ModelChunksFetched;

            await PublishManifestAsync(recorder, Decide(v1, 5, ModelDecision.Promote));
            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.Message!.Contains("promote", StringComparison.Ordinal)), Patience, "the device takes the decision");

            Assert.Equal(fetched, worker.Snapshot().ModelChunksFetched);
            var stored = ControlMessageCodec.DecodeModelManifest(await File.ReadAllBytesAsync(Path.Combine(options.DataFolder, "manifest.json"))).Value!;
            Assert.Equal(Decided + 5, stored.DecisionSequence);
        }
        finally
        {
            await AgentFactory.StopAsync(worker);
        }
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

    private static (ModelManifest Manifest, byte[] Artifact) Model(int version) =>
        BuildModel(LearningTasks.Swing, version, GolfClubSimulator.ClassNames, ArtifactChunks.MinChunkBytes * 8);

    private static ModelManifest Decide(ModelManifest manifest, int order, string kind) => manifest with { Decision = new ModelDecision(Decided + order, kind) };

    /// <summary>The first refusal the device reports in a status after the first <paramref name="skip"/> of them.</summary>
    private static async Task<ModelRefusal> RefusalAsync(TopicRecorder recorder, string device, int skip = 0)
    {
        await Eventually.TrueAsync(() => Statuses(recorder, device).Skip(skip).Any(s => s.LastRefusal is not null), Patience, "the device reports a refusal");
        return Statuses(recorder, device).Skip(skip).First(s => s.LastRefusal is not null).LastRefusal!;
    }
}
