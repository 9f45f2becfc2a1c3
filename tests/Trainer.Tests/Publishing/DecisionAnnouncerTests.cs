using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;
using static Pipeline.Trainer.Tests.Publishing.ModelPublisherTests;

namespace Pipeline.Trainer.Tests.Publishing;

/// <summary>
/// Decisions announced through a real mosquitto: what is retained after blessings, a rollback and a promotion. Each test
/// starts its own broker, since retained messages of another test would be read as this one's.
/// </summary>
public sealed class DecisionAnnouncerTests : IDisposable
{
    private const int ChunkBytes = ArtifactChunks.MinChunkBytes;
    private const string Task = LearningTasks.Droplet;

    private readonly TemporaryFolder _folder = new("announcer");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ThreeBlessedVersions_EachIsDecidedAndAnnounced_AndOnlyTheLastTwoKeepTheirChunks()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var trainer = await RetainedModelTopics.ConnectAsync(broker.ToOptions(), "announcer");
        var registry = new ModelRegistry(_folder.Path);
        using var announcer = new DecisionAnnouncer(registry, new ModelPublisher(trainer, signingKey: null, ChunkBytes), TimeProvider.System, NullLogger.Instance);
        var sequences = new List<long>();
        for (var version = 1; version <= 3; version++)
        {
            Store(registry, version);
            var announced = await announcer.AnnounceAsync(Task, again: false, CancellationToken.None);
            Assert.Equal((version, ModelDecision.Publish), (announced!.Version, announced.Kind));
            sequences.Add(announced.Sequence);
        }

        Assert.Null(await announcer.AnnounceAsync(Task, again: false, CancellationToken.None));
        var retained = await RetainedModelTopics.ReadAsync(broker.ToOptions(), Task);
        var manifest = ControlMessageCodec.DecodeModelManifest(retained[Topics.ModelManifest(Task)]).Value!;
        Assert.Equal((3, new ModelDecision(sequences[2], ModelDecision.Publish)), (manifest.Version, manifest.Decision));
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal([0, 3, 3], Enumerable.Range(1, 3).Select(v => RetainedModelTopics.ChunksOf(retained, Task, v)));
        Assert.Equal(sequences[2], registry.Announced(Task));
    }

    [Fact]
    public async Task RollbackRecordedByAnotherProcess_IsAnnouncedWithAHigherDecision_AndItsClearedChunksComeBack()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var trainer = await RetainedModelTopics.ConnectAsync(broker.ToOptions(), "announcer");
        var registry = new ModelRegistry(_folder.Path);
        using var announcer = new DecisionAnnouncer(registry, new ModelPublisher(trainer, signingKey: null, ChunkBytes), TimeProvider.System, NullLogger.Instance);
        for (var version = 1; version <= 3; version++)
        {
            Store(registry, version);
            await announcer.AnnounceAsync(Task, again: false, CancellationToken.None);
        }

        // As `pipeline models rollback --to 1` does: a registry of its own, on the same folder.
        var rollback = new ModelRegistry(_folder.Path).Decide(Task, 1, ModelDecision.Rollback, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000);
        var announced = await announcer.AnnounceAsync(Task, again: false, CancellationToken.None);

        Assert.Equal(rollback, announced);
        var retained = await RetainedModelTopics.ReadAsync(broker.ToOptions(), Task);
        var manifest = ControlMessageCodec.DecodeModelManifest(retained[Topics.ModelManifest(Task)]).Value!;
        Assert.Equal((1, ModelDecision.Rollback, rollback.Sequence), (manifest.Version, manifest.Decision!.Kind, manifest.DecisionSequence));
        // v1 is what devices go back to; v3 stays, for a promotion back to it; v2 is cleared.
        Assert.Equal([3, 0, 3], Enumerable.Range(1, 3).Select(v => RetainedModelTopics.ChunksOf(retained, Task, v)));
        Assert.Equal(1, registry.Current(Task)!.Version);
    }

    [Fact]
    public async Task AVersionStoredButNeverAnnounced_IsDecidedAndAnnouncedAtStart()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var registry = new ModelRegistry(_folder.Path);
        Store(registry, 1);
        registry.Decide(Task, 1, ModelDecision.Publish, 1_780_000_000_000_000);
        // A trainer that stopped between storing v2 and announcing it.
        Store(registry, 2);

        await using var trainer = await RetainedModelTopics.ConnectAsync(broker.ToOptions(), "restarted");
        using var announcer = new DecisionAnnouncer(registry, new ModelPublisher(trainer, signingKey: null, ChunkBytes), TimeProvider.System, NullLogger.Instance);
        var announced = await announcer.AnnounceAsync(Task, again: true, CancellationToken.None);

        Assert.Equal((2, ModelDecision.Publish), (announced!.Version, announced.Kind));
        Assert.Equal([1, 2], registry.Decisions(Task).Select(d => d.Version));
    }

    private static void Store(ModelRegistry registry, int version)
    {
        var artifact = Artifact(version, 3 * ChunkBytes);
        registry.Store(Manifest(Task, version, artifact), artifact);
    }
}
