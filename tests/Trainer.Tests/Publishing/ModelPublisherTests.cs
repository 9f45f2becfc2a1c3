using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Trainer.Publishing;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Tests.Publishing;

public sealed class ModelPublisherTests(MosquittoBrokerFixture broker) : IClassFixture<MosquittoBrokerFixture>
{
    private const int ChunkBytes = ArtifactChunks.MinChunkBytes;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Publish_RetainsEveryChunkAndASignedManifestListingThem()
    {
        const string task = LearningTasks.Swing;
        await using var trainer = await ConnectAsync("publisher-chunks");
        var artifact = Artifact(1, 5 * ChunkBytes + 17);
        await new ModelPublisher(trainer, signingKey: null, ChunkBytes).PublishAsync(Manifest(task, 1, artifact), artifact, superseded: null, CancellationToken.None);

        var retained = await RetainedAsync(task);
        Assert.Equal(7, retained.Count);
        var manifest = ControlMessageCodec.DecodeModelManifest(retained[Topics.ModelManifest(task)]).Value!;
        Assert.Equal(6, manifest.Chunks!.Count);
        var reassembled = Enumerable.Range(0, 6).SelectMany(i => retained[Topics.ModelArtifactChunk(task, 1, i)]).ToArray();
        Assert.Equal(artifact, reassembled);
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal(manifest.Chunks.Sha256[i], ArtifactChunks.Sha256Hex(retained[Topics.ModelArtifactChunk(task, 1, i)])));
    }

    [Fact]
    public async Task ThreeVersionsPublished_TheOldestsRetainedChunksAreCleared_TheCurrentAndPreviousStay()
    {
        const string task = LearningTasks.Droplet;
        await using var trainer = await ConnectAsync("publisher-clears");
        var publisher = new ModelPublisher(trainer, signingKey: null, ChunkBytes);
        var published = new List<RegisteredVersion>();
        for (var version = 1; version <= 3; version++)
        {
            var artifact = Artifact(version, 3 * ChunkBytes);
            var manifest = Manifest(task, version, artifact);
            published.Add(new RegisteredVersion(version, "", manifest, null));
            await publisher.PublishAsync(manifest, artifact, ModelPublisher.Superseded(published, version), CancellationToken.None);
        }

        // The manifest and three chunks each of v2 and v3; nothing of v1.
        var retained = await RetainedAsync(task);
        Assert.Equal(7, retained.Count);
        Assert.DoesNotContain(retained.Keys, topic => topic.StartsWith(Topics.ModelArtifact(task, 1) + "/", StringComparison.Ordinal));
        Assert.Equal(3, retained.Keys.Count(topic => topic.StartsWith(Topics.ModelArtifact(task, 2) + "/", StringComparison.Ordinal)));
        Assert.Equal(3, retained.Keys.Count(topic => topic.StartsWith(Topics.ModelArtifact(task, 3) + "/", StringComparison.Ordinal)));
    }

    [Fact]
    public void Superseded_IsTheNewestWholeVersionBeforeThePreviousOne()
    {
        static RegisteredVersion Whole(int version) => new(version, "", Manifest(LearningTasks.Swing, version, [1]), null);
        List<RegisteredVersion> manifests = [Whole(1), Whole(2), new(3, "", null, "damaged"), Whole(4), Whole(5)];
        Assert.Equal(2, ModelPublisher.Superseded(manifests, 5)!.Version);
        Assert.Equal(4, ModelPublisher.Superseded(manifests, 6)!.Version);
        Assert.Null(ModelPublisher.Superseded(manifests, 2));
    }

    private async Task<MqttConnection> ConnectAsync(string clientId)
    {
        var connection = new MqttConnection(broker.Broker.ToOptions(), $"{clientId}-{Guid.NewGuid():N}", NullLogger.Instance);
        await connection.ConnectAsync(CancellationToken.None);
        return connection;
    }

    /// <summary>
    /// What a newcomer subscribing to the task's model topics is given: its retained messages by topic. A retained marker
    /// subscribed to afterwards on the same connection arrives after them, so once it is in, all of them are.
    /// </summary>
    private async Task<ConcurrentDictionary<string, byte[]>> RetainedAsync(string task)
    {
        var marker = $"test/marker/{Guid.NewGuid():N}";
        await using (var markerPublisher = await ConnectAsync("marker"))
        {
            using var timeout = new CancellationTokenSource(Patience);
            await markerPublisher.PublishAsync(marker, new byte[] { 1 }, retain: true, timeout.Token);
        }

        var retained = new ConcurrentDictionary<string, byte[]>();
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var newcomer = await ConnectAsync("newcomer");
        await newcomer.SubscribeAsync($"{Topics.Root}/models/{task}/#", (message, _) =>
        {
            retained[message.Topic] = message.Payload;
            return Task.CompletedTask;
        }, CancellationToken.None);
        await newcomer.SubscribeAsync(marker, (_, _) =>
        {
            markerSeen.TrySetResult();
            return Task.CompletedTask;
        }, CancellationToken.None);
        await markerSeen.Task.WaitAsync(Patience);
        return retained;
    }

    private static byte[] Artifact(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static ModelManifest Manifest(string task, int version, byte[] artifact) =>
        new(task, version, "swing-cnn", 1_700_000_000_000_000, Topics.ModelArtifact(task, version), artifact.Length, ArtifactChunks.Sha256Hex(artifact),
            [8, 512], ["a", "b"], new ModelMetrics(0.5, 0.5, 10), "pipelined");
}
