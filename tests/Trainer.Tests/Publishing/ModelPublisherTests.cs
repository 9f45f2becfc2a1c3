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
