using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Tests.Publishing;

internal static class RetainedModelTopics
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>
    /// What a newcomer subscribing to the task's model topics is given: its retained messages by topic. A retained marker
    /// subscribed to afterwards on the same connection arrives after them, so once it is in, all of them are.
    /// </summary>
    public static async Task<ConcurrentDictionary<string, byte[]>> ReadAsync(BrokerOptions broker, string task) =>
        new((await ReadMessagesAsync(broker, task)).Select(m => KeyValuePair.Create(m.Key, m.Value.Payload)));

    /// <summary>As <see cref="ReadAsync"/>, with each message as received, its retain flag too.</summary>
    public static async Task<ConcurrentDictionary<string, MqttIncomingMessage>> ReadMessagesAsync(BrokerOptions broker, string task)
    {
        var marker = $"test/marker/{Guid.NewGuid():N}";
        await using (var markerPublisher = await ConnectAsync(broker, "marker"))
        {
            using var timeout = new CancellationTokenSource(Patience);
            await markerPublisher.PublishAsync(marker, new byte[] { 1 }, retain: true, timeout.Token);
        }

        var retained = new ConcurrentDictionary<string, MqttIncomingMessage>();
        var markerSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var newcomer = await ConnectAsync(broker, "newcomer");
        await newcomer.SubscribeAsync($"{Topics.Root}/models/{task}/#", (message, _) =>
        {
            retained[message.Topic] = message;
            return Task.CompletedTask;
        }, CancellationToken.None);
        await newcomer.SubscribeAsync(marker, (_, _) =>
        {
            markerSeen.TrySetResult();
            return Task.CompletedTask;
        }, CancellationToken.None);
        await markerSeen.Task.WaitAsync(Patience);
        return retained;
    }

    /// <summary>How many retained chunks of <paramref name="version"/> there are.</summary>
    public static int ChunksOf(IDictionary<string, byte[]> retained, string task, int version) =>
        retained.Keys.Count(topic => topic.StartsWith(Topics.ModelArtifact(task, version) + "/", StringComparison.Ordinal));

    public static async Task<MqttConnection> ConnectAsync(BrokerOptions broker, string clientId)
    {
        var connection = new MqttConnectionFactory(broker, NullLoggerFactory.Instance).Create($"{clientId}-{Guid.NewGuid():N}");
        await connection.ConnectAsync(CancellationToken.None);
        return connection;
    }
}
