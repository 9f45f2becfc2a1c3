using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>What the model-delivery tests share: real models announced as the trainer does, and what agents say back.</summary>
internal static class ModelAnnouncements
{
    /// <summary>A real, untrained model of the task's architecture, saved with the Models API, and its manifest listing its chunks.</summary>
    public static (ModelManifest Manifest, byte[] Artifact) BuildModel(string task, int version, IReadOnlyList<string> classes, int chunkBytes = ArtifactChunks.DefaultChunkBytes)
    {
        var definition = TaskRegistry.BuiltIn.Find(task);
        using var model = ModelCatalog.CreateForInput(definition.Architecture, classes.Count, definition.InputShape, seed: version);
        return Describe(model, task, version, classes, chunkBytes);
    }

    /// <summary>The manifest the trainer would announce for <paramref name="model"/>, listing its chunks of <paramref name="chunkBytes"/>.</summary>
    public static (ModelManifest Manifest, byte[] Artifact) Describe(BlockSequence model, string task, int version, IReadOnlyList<string> classes, int chunkBytes = ArtifactChunks.DefaultChunkBytes)
    {
        var artifact = ModelArtifacts.Save(model);
        var manifest = new ModelManifest(task, version, model.Architecture, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
            Topics.ModelArtifact(task, version), artifact.Length, ModelArtifacts.Sha256Hex(artifact), [.. model.InputShape], [.. classes],
            new ModelMetrics(0.5, 0.5, 10), "pipelined", Chunks: ArtifactChunks.Of(artifact, chunkBytes));
        return (manifest, artifact);
    }

    /// <summary>Every chunk first, then the manifest signed with the key the test agents trust, all retained: the trainer's order.</summary>
    public static async Task AnnounceAsync(TopicRecorder publisher, ModelManifest manifest, byte[] artifact)
    {
        await PublishChunksAsync(publisher, manifest, artifact);
        await PublishManifestAsync(publisher, manifest);
    }

    public static async Task PublishChunksAsync(TopicRecorder publisher, ModelManifest manifest, byte[] artifact)
    {
        var chunks = manifest.Chunks ?? throw new ArgumentException("the manifest lists no chunks", nameof(manifest));
        for (var index = 0; index < chunks.Count; index++)
        {
            await publisher.PublishAsync(Topics.ModelArtifactChunk(manifest.Task, manifest.Version, index), chunks.Chunk(artifact, index).ToArray(), retain: true);
        }
    }

    public static Task PublishManifestAsync(TopicRecorder publisher, ModelManifest manifest) =>
        publisher.PublishAsync(Topics.ModelManifest(manifest.Task), ControlMessageCodec.Encode(TestModelKeys.Sign(manifest)), retain: true);

    public static List<DeviceStatus> Statuses(TopicRecorder recorder, string device) =>
        [.. recorder.On(Topics.Status(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeDeviceStatus(m.Payload).Value!)];

    public static List<Prediction> Predictions(TopicRecorder recorder, string device) =>
        [.. recorder.On(Topics.Predictions(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodePrediction(m.Payload).Value!)];
}
