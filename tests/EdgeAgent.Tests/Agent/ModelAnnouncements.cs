using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>What the model-delivery tests share: real models announced as the trainer does, and what agents say back.</summary>
internal static class ModelAnnouncements
{
    /// <summary>A real, untrained model of the task's architecture, saved with the Models API, and its manifest.</summary>
    public static (ModelManifest Manifest, byte[] Artifact) BuildModel(string task, int version, IReadOnlyList<string> classes)
    {
        var architecture = ModelCatalog.ForTask(task);
        using var model = ModelCatalog.Create(architecture, classes.Count, seed: version);
        var artifact = ModelArtifacts.Save(model);
        var manifest = new ModelManifest(task, version, architecture, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
            Topics.ModelArtifact(task, version), artifact.Length, ModelArtifacts.Sha256Hex(artifact), [.. model.InputShape], [.. classes],
            new ModelMetrics(0.5, 0.5, 10), "pipelined");
        return (manifest, artifact);
    }

    /// <summary>Artifact first, then the manifest signed with the key the test agents trust, both retained: the trainer's order.</summary>
    public static async Task AnnounceAsync(TopicRecorder publisher, ModelManifest manifest, byte[] artifact)
    {
        await publisher.PublishAsync(manifest.ArtifactTopic, artifact, retain: true);
        await publisher.PublishAsync(Topics.ModelManifest(manifest.Task), ControlMessageCodec.Encode(TestModelKeys.Sign(manifest)), retain: true);
    }

    public static List<DeviceStatus> Statuses(TopicRecorder recorder, string device) =>
        [.. recorder.On(Topics.Status(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeDeviceStatus(m.Payload).Value!)];

    public static List<Prediction> Predictions(TopicRecorder recorder, string device) =>
        [.. recorder.On(Topics.Predictions(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodePrediction(m.Payload).Value!)];
}
