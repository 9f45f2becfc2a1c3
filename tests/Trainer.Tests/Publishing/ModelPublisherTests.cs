using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Trainer.Publishing;

namespace Pipeline.Trainer.Tests.Publishing;

public sealed class ModelPublisherTests(MosquittoBrokerFixture broker) : IClassFixture<MosquittoBrokerFixture>
{
    private const int ChunkBytes = ArtifactChunks.MinChunkBytes;

    [Fact]
    public async Task Publish_RetainsEveryChunkAndASignedManifestListingThem()
    {
        const string task = LearningTasks.Swing;
        await using var trainer = await RetainedModelTopics.ConnectAsync(broker.Broker.ToOptions(), "publisher-chunks");
        var artifact = Artifact(1, 5 * ChunkBytes + 17);
        await new ModelPublisher(trainer, signingKey: null, ChunkBytes).PublishAsync(Manifest(task, 1, artifact), artifact, superseded: null, CancellationToken.None);

        var retained = await RetainedModelTopics.ReadAsync(broker.Broker.ToOptions(), task);
        Assert.Equal(7, retained.Count);
        var manifest = ControlMessageCodec.DecodeModelManifest(retained[Topics.ModelManifest(task)]).Value!;
        Assert.Equal(6, manifest.Chunks!.Count);
        var reassembled = Enumerable.Range(0, 6).SelectMany(i => retained[Topics.ModelArtifactChunk(task, 1, i)]).ToArray();
        Assert.Equal(artifact, reassembled);
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal(manifest.Chunks.Sha256[i], ArtifactChunks.Sha256Hex(retained[Topics.ModelArtifactChunk(task, 1, i)])));
    }

    [Fact]
    public async Task Publish_ALiveSubscriberReceivesEveryChunkBeforeTheManifest_AndANewcomerReceivesBothRetained()
    {
        const string task = LearningTasks.Droplet;
        var options = broker.Broker.ToOptions();
        await using var device = await RetainedModelTopics.ConnectAsync(options, "publisher-order");
        var arrivals = new ConcurrentQueue<string>();
        var manifestArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await device.SubscribeAsync($"{Topics.Root}/models/{task}/#", (message, _) =>
        {
            arrivals.Enqueue(message.Topic);
            if (message.Topic == Topics.ModelManifest(task))
            {
                manifestArrived.TrySetResult();
            }

            return Task.CompletedTask;
        }, CancellationToken.None);
        await using var trainer = await RetainedModelTopics.ConnectAsync(options, "publisher-order-trainer");
        var artifact = Artifact(2, 20 * ChunkBytes);

        await new ModelPublisher(trainer, signingKey: null, ChunkBytes).PublishAsync(Manifest(task, 1, artifact), artifact, superseded: null, CancellationToken.None);
        await Bounded.WithinAsync(manifestArrived.Task, TimeSpan.FromSeconds(20), "the manifest's arrival at a subscribed device");

        // A device acts on the manifest as soon as it arrives: every chunk it lists must already be at the broker.
        var chunks = Enumerable.Range(0, 20).Select(i => Topics.ModelArtifactChunk(task, 1, i)).ToList();
        var order = arrivals.ToList();
        var manifestAt = order.IndexOf(Topics.ModelManifest(task));
        Assert.Equal(chunks.Order(StringComparer.Ordinal), order.Take(manifestAt).Order(StringComparer.Ordinal));
        var retained = await RetainedModelTopics.ReadMessagesAsync(options, task);
        Assert.Equal(chunks.Append(Topics.ModelManifest(task)).Order(StringComparer.Ordinal), retained.Keys.Order(StringComparer.Ordinal));
        Assert.All(retained.Values, m => Assert.True(m.Retain, $"{m.Topic} reached a newcomer without the retain flag"));
    }

    internal static byte[] Artifact(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    internal static ModelManifest Manifest(string task, int version, byte[] artifact) =>
        new(task, version, "swing-cnn", 1_700_000_000_000_000, Topics.ModelArtifact(task, version), artifact.Length, ArtifactChunks.Sha256Hex(artifact),
            [8, 512], ["a", "b"], new ModelMetrics(0.5, 0.5, 10), "pipelined");
}
