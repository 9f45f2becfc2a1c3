using Pipeline.Hosting.Mqtt;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Fetches a retained model artifact over the agent's own connection: subscribe to its topic, take the retained
/// message, unsubscribe. The same connection means the same identity, credentials and transport as everything else the
/// agent does (a second connection would need an identity of its own, and under a broker that binds client ids to
/// identities it would take over the agent's session).
/// </summary>
internal sealed class ArtifactFetcher(MqttConnection connection)
{
    public async Task<byte[]> FetchAsync(string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await connection.SubscribeAsync(topic, (message, _) =>
            {
                received.TrySetResult(message.Payload);
                return Task.CompletedTask;
            }, deadline.Token);
            return await received.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no artifact arrived on {topic} within {timeout.TotalSeconds:0.#} s");
        }
        finally
        {
            await connection.UnsubscribeAsync(topic, CancellationToken.None);
        }
    }
}
