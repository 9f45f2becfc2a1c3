using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Publishing;

/// <summary>
/// Announces a model: the artifact retained at its versioned topic first, then the manifest, signed with the trainer's
/// key, retained at the task's manifest topic, so a device that reads the manifest always finds the artifact already
/// there and can tell the trainer vouches for it.
/// </summary>
public sealed class ModelPublisher(MqttConnection connection, ModelSigningKey? signingKey)
{
    public async Task PublishAsync(ModelManifest manifest, byte[] artifact, CancellationToken cancellationToken)
    {
        var announced = signingKey is null ? manifest : ModelManifestSigning.Sign(manifest, signingKey);
        await connection.PublishAsync(manifest.ArtifactTopic, artifact, retain: true, cancellationToken);
        await connection.PublishAsync(Topics.ModelManifest(manifest.Task), ControlMessageCodec.Encode(announced), retain: true, cancellationToken);
    }
}
