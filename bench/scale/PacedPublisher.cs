using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Bench;

namespace Pipeline.Scale.Bench;

/// <summary>
/// The devices of one size, run in a child process so that ingest's resident memory is ingest's own: every device sends one
/// batch per tick (100 ms, a club's real rate), the devices shared over a few connections, each keeping a window of
/// publishes awaiting their PUBACK. A tick that falls behind is sent at once. Records when each publish was handed to the
/// client (<see cref="Stopwatch.GetTimestamp"/>, the monotonic clock the parent process reads too).
/// </summary>
public static class PacedPublisher
{
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    public static async Task<long[]> PublishAsync(BrokerOptions broker, MotionLoad load, int devices, CancellationToken cancellationToken)
    {
        var connections = Math.Min(devices, 16);
        var sent = new long[load.Messages.Count];
        var clients = new List<MqttConnection>();
        var factory = new MqttConnectionFactory(broker, NullLoggerFactory.Instance);
        try
        {
            for (var c = 0; c < connections; c++)
            {
                var client = factory.Create($"bench-device-{Guid.NewGuid():N}");
                clients.Add(client);
                await client.ConnectAsync(cancellationToken);
            }

            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
            {
                using var window = new SemaphoreSlim(100);
                var inFlight = new List<Task>();
                // MotionLoad orders its messages device by device within each tick: message i is device i % devices, tick i / devices.
                for (var i = c; i < load.Messages.Count; i += connections)
                {
                    var due = Tick * (i / devices) - Stopwatch.GetElapsedTime(start);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, cancellationToken);
                    }

                    await window.WaitAsync(cancellationToken);
                    sent[i] = Stopwatch.GetTimestamp();
                    inFlight.Add(PublishOneAsync(client, load.Messages[i], window, cancellationToken));
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

        return sent;
    }

    private static async Task PublishOneAsync(MqttConnection client, (string Topic, byte[] Payload) message, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        try
        {
            await client.PublishAsync(message.Topic, message.Payload, retain: false, cancellationToken);
        }
        finally
        {
            window.Release();
        }
    }
}
