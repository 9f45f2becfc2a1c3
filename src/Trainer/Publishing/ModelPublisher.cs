using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Publishing;

/// <summary>
/// Announces a model: the artifact retained at its versioned topic first, then the manifest retained at the
/// task's manifest topic, so a device that reads the manifest always finds the artifact already there.
/// </summary>
public sealed class ModelPublisher(MqttConnection connection)
{
    public async Task PublishAsync(ModelManifest manifest, byte[] artifact, CancellationToken cancellationToken)
    {
        await connection.PublishAsync(manifest.ArtifactTopic, artifact, retain: true, cancellationToken);
        await connection.PublishAsync(Topics.ModelManifest(manifest.Task), ControlMessageCodec.Encode(manifest), retain: true, cancellationToken);
    }
}
