using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>Publishes a load at QoS 1 from several connections, each keeping a window of publishes awaiting their PUBACK.</summary>
public static class LoadPublisher
{
    public static async Task PublishAsync(BrokerOptions broker, IReadOnlyList<(string Topic, byte[] Payload)> messages, int connections, int window, string? fixedTopic, CancellationToken cancellationToken)
    {
        var clients = new List<MqttConnection>();
        try
        {
            for (var c = 0; c < connections; c++)
            {
                var client = new MqttConnectionFactory(broker, NullLoggerFactory.Instance).Create($"bench-pub-{Guid.NewGuid():N}");
                clients.Add(client);
                await client.ConnectAsync(cancellationToken);
            }

            await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
            {
                using var slots = new SemaphoreSlim(window);
                var inFlight = new List<Task>();
                for (var i = c; i < messages.Count; i += clients.Count)
                {
                    await slots.WaitAsync(cancellationToken);
                    var (topic, payload) = messages[i];
                    inFlight.Add(PublishOneAsync(client, fixedTopic ?? topic, payload, slots, cancellationToken));
                }

                await Task.WhenAll(inFlight);
            }, cancellationToken)));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task PublishOneAsync(MqttConnection client, string topic, byte[] payload, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await client.PublishAsync(topic, payload, retain: false, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }
}
