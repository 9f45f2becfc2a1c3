using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Publishing;

/// <summary>
/// Announces a model: its artifact in chunks, each retained at its own topic, first; then the manifest, listing the
/// chunks and signed with the trainer's key, retained at the task's manifest topic, so a device that reads the manifest
/// always finds every chunk already there and can tell the trainer vouches for each. Last, the retained chunks of the
/// version the announcement superseded are cleared (<see cref="DecisionAnnouncer"/> says which).
/// </summary>
internal sealed class ModelPublisher(MqttConnection connection, ModelSigningKey? signingKey, int chunkBytes = ArtifactChunks.DefaultChunkBytes)
{
    // Enough to keep the link busy while each publish waits for its PUBACK, and below mosquitto's 20 in flight.
    private const int ChunksInFlight = 8;

    /// <summary>
    /// Publishes <paramref name="manifest"/> and its <paramref name="artifact"/>; then clears the retained chunks (and the
    /// single-message artifact of older trainers) of <paramref name="superseded"/>, when given.
    /// </summary>
    public async Task PublishAsync(ModelManifest manifest, byte[] artifact, ModelManifest? superseded, CancellationToken cancellationToken)
    {
        var chunks = ArtifactChunks.Of(artifact, chunkBytes);
        var chunked = manifest with { Chunks = chunks };
        var announced = signingKey is null ? chunked : ModelManifestSigning.Sign(chunked, signingKey);
        await ForEachChunkAsync(chunks.Count, index =>
            connection.PublishAsync(Topics.ModelArtifactChunk(manifest.Task, manifest.Version, index), chunks.Chunk(artifact, index), retain: true, cancellationToken));
        await connection.PublishAsync(Topics.ModelManifest(manifest.Task), ControlMessageCodec.Encode(announced), retain: true, cancellationToken);
        if (superseded is not null && superseded.Version != manifest.Version)
        {
            await ClearAsync(superseded, cancellationToken);
        }
    }

    /// <summary>
    /// An empty retained message clears a topic's retained message (MQTT 5, 3.3.1.3). The registry's manifests carry no
    /// chunk list, so the count is what this publisher's chunk size makes of the version's size.
    /// </summary>
    private async Task ClearAsync(ModelManifest superseded, CancellationToken cancellationToken)
    {
        var count = (int)ArtifactChunks.CountFor(superseded.SizeBytes, ArtifactChunks.ChunkBytesFor(superseded.SizeBytes, chunkBytes));
        await ForEachChunkAsync(count, index =>
            connection.PublishAsync(Topics.ModelArtifactChunk(superseded.Task, superseded.Version, index), ReadOnlyMemory<byte>.Empty, retain: true, cancellationToken));
        await connection.PublishAsync(Topics.ModelArtifact(superseded.Task, superseded.Version), ReadOnlyMemory<byte>.Empty, retain: true, cancellationToken);
    }

    private static async Task ForEachChunkAsync(int count, Func<int, Task> publish)
    {
        var inFlight = new List<Task>(ChunksInFlight);
        for (var index = 0; index < count; index++)
        {
            if (inFlight.Count == ChunksInFlight)
            {
                var done = await Task.WhenAny(inFlight);
                inFlight.Remove(done);
                await done;
            }

            inFlight.Add(publish(index));
        }

        await Task.WhenAll(inFlight);
    }
}
