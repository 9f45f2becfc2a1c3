using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Fetches a retained model artifact over a short-lived connection of its own: subscribe, take the first
/// message, disconnect. A separate session (expiring on disconnect) means the artifact subscription truly
/// ends, and a multi-megabyte download never holds up the agent's own receive path.
/// </summary>
internal sealed class ArtifactFetcher(BrokerOptions broker, string clientIdPrefix, ILogger logger)
{
    public async Task<byte[]> FetchAsync(string topic, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var ephemeral = new BrokerOptions { Host = broker.Host, Port = broker.Port, SessionExpirySeconds = 0 };
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        await using var connection = new MqttConnection(ephemeral, $"{clientIdPrefix}-fetch-{Guid.NewGuid():N}", logger);
        try
        {
            await connection.ConnectAsync(deadline.Token);
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
    }
}
