using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Fetches retained artifact chunks over the agent's own connection: subscribe to the chunk's topic (QoS 1), take the
/// retained message, unsubscribe. The same connection means the same identity, credentials and transport as everything
/// else the agent does (a second connection would need an identity of its own, and under a broker that binds client ids
/// to identities it would take over the agent's session). A dropped link is the connection's business: it reconnects,
/// and the subscription is made again or its queued message redelivered on the resumed session.
/// </summary>
internal sealed class MqttChunkSource(MqttConnection connection) : IArtifactSource
{
    public async Task<byte[]> FetchChunkAsync(ModelManifest manifest, int index, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var topic = Topics.ModelArtifactChunk(manifest.Task, manifest.Version, index);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await connection.SubscribeAsync(topic, (message, _) =>
            {
                // An empty message is the trainer clearing the topic, seen live: not a chunk.
                if (message.Payload.Length > 0)
                {
                    received.TrySetResult(message.Payload);
                }

                return Task.CompletedTask;
            }, deadline.Token);
            return await received.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"chunk {index} of model v{manifest.Version} did not arrive on {topic} within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            await connection.UnsubscribeAsync(topic, CancellationToken.None);
        }
    }
}
