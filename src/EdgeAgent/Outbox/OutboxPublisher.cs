using Pipeline.Hosting.Mqtt;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// Drains the outbox in order: publishes the oldest message at QoS 1 and removes it only after the broker's
/// PUBACK. While the broker is away, <see cref="MqttConnection.PublishAsync"/> waits through the reconnects,
/// so the backlog grows on disk and drains, in order, once the link is back. A broker that refuses a message
/// (e.g. not authorised) stops the loop with that error; the message stays in the outbox.
/// </summary>
internal sealed class OutboxPublisher(DiskOutbox outbox, MqttConnection connection)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await outbox.WaitForMessageAsync(cancellationToken);
            if (outbox.Peek() is not { } message)
            {
                continue;
            }

            await connection.PublishAsync(message.Topic, message.Payload, retain: false, cancellationToken);
            outbox.Acknowledge(message);
        }
    }
}
