using Pipeline.Hosting.Mqtt;

namespace Pipeline.EdgeAgent.Outbox;

/// <summary>
/// Drains the outbox in order. It runs the outbox's syncer beside it and publishes only fsync'd messages, at QoS 1,
/// up to <paramref name="inFlight"/> at once while connected (<see cref="MqttConnection.PublishAsync"/> returns after
/// the PUBACK and may be called concurrently); a message is removed only once it and every message before it were
/// acknowledged, so the cursor never passes one still in flight. A publish interrupted by a lost connection is
/// retried by <see cref="MqttConnection.PublishAsync"/> after a jittered backoff, so several retried at once could
/// overtake each other: once the link is found down with several in flight (checked every
/// <see cref="ConnectionCheckInterval"/>) they are given up, and the oldest unacknowledged message is published alone,
/// waiting through the reconnects, before the window opens again. So the backlog grows on disk during an outage
/// and drains, in order, once the link is back. A broker that refuses a message (e.g. not authorised) stops the
/// loop with that error; the message stays in the outbox.
/// </summary>
internal sealed class OutboxPublisher(DiskOutbox outbox, MqttConnection connection, int inFlight = OutboxPublisher.DefaultInFlight)
{
    /// <summary>Mosquitto's default Receive Maximum (max_inflight_messages), which is also mosquitto_pub's own window.</summary>
    public const int DefaultInFlight = 20;

    public const int MaxInFlight = 1000;

    /// <summary>Well inside the 50 ms minimum backoff before <see cref="MqttConnection.PublishAsync"/> retries a publish.</summary>
    public static readonly TimeSpan ConnectionCheckInterval = TimeSpan.FromMilliseconds(10);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var window = new PublishWindow(inFlight);
        var syncing = outbox.KeepSyncingAsync(stop.Token);
        var publishing = PublishAsync(window, stop.Token);
        var first = await Task.WhenAny(syncing, publishing);

        // Either loop ending stops the other; publishes still in flight are given up and handed out again next time.
        await stop.CancelAsync();
        await Task.WhenAll([syncing, publishing, .. window.Publishes]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        outbox.ReleaseInFlight();
        await first;
    }

    private async Task PublishAsync(PublishWindow window, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await PublishUntilLinkLostAsync(window, attempt.Token, cancellationToken);

            // The link is down with several publishes in flight: stop their retries before any can be sent, keep
            // what was acknowledged, and hand the rest out again, in order.
            await attempt.CancelAsync();
            await Task.WhenAll(window.Publishes).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            outbox.Acknowledge(window.TakeAcknowledgedPrefix());
            window.GiveUp();
            outbox.ReleaseInFlight();
        }
    }

    /// <summary>Publishes until the link is found down with more than one publish in flight.</summary>
    private async Task PublishUntilLinkLostAsync(PublishWindow window, CancellationToken publishToken, CancellationToken cancellationToken)
    {
        var check = Task.Delay(ConnectionCheckInterval, cancellationToken);
        while (true)
        {
            // Without a connection only the oldest goes out: it waits through the reconnects, and nothing can overtake it.
            var room = connection.IsConnected ? window.Room : Math.Max(0, 1 - window.Count);
            foreach (var message in outbox.TakeDurable(room))
            {
                window.Add(message, connection.PublishAsync(message.Topic, message.Payload, retain: false, publishToken));
            }

            if (window.Count == 0)
            {
                await outbox.WaitForDurableAsync(cancellationToken);
                continue;
            }

            if (window.Count > 1)
            {
                await Task.WhenAny(window.Oldest, check);
                if (check.IsCompleted)
                {
                    await check;
                    check = Task.Delay(ConnectionCheckInterval, cancellationToken);
                    if (!connection.IsConnected)
                    {
                        return;
                    }
                }
            }

            // New durable messages are picked up each time the oldest completes, which is within one round trip.
            if (window.Count == 1 || window.Oldest.IsCompleted)
            {
                await window.Oldest;
            }

            outbox.Acknowledge(window.TakeAcknowledgedPrefix());
        }
    }
}
