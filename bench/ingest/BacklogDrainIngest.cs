using System.Diagnostics;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Our drain rate, measured like the raw broker's (<see cref="RawBrokerDrain"/>): an ingest subscribes once (creating its
/// persistent session) and stops; the same QoS 1 motion batches are queued on mosquitto for that session while it is
/// stopped; then a new ingest with the same client id is started and the clock runs from its start (host start, connect,
/// session resume) until its store holds the last sample. Nothing else runs in this process meanwhile, so the figure is
/// ingest's own: broker delivery, decode, validate, batch, store write, acknowledgement. Ingest's own store-write
/// latency metric says how much of the drain the store was busy.
/// </summary>
public static class BacklogDrainIngest
{
    public static async Task<DrainMeasurement> MeasureAsync(BrokerOptions broker, string dataFolder, IReadOnlyList<KeyValuePair<string, string?>> storeSettings, MotionLoad load, CancellationToken cancellationToken)
    {
        var clientId = $"bench-drain-{Guid.NewGuid():N}"[..24];
        using (var subscriber = IngestHost.Build(broker, dataFolder, clientId, storeSettings))
        {
            await IngestHost.StartAsync(subscriber, cancellationToken);
            await subscriber.StopAsync(cancellationToken);
        }

        await LoadPublisher.PublishAsync(broker, load.Messages, connections: 4, window: 100, fixedTopic: null, cancellationToken);

        using var ingest = IngestHost.Build(broker, dataFolder, clientId, storeSettings);
        using var writes = new StoreWriteTimer();
        var started = Stopwatch.GetTimestamp();
        await ingest.StartAsync(cancellationToken);
        await IngestHost.WaitForStoredAsync(ingest, load.Samples, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var busy = writes.Busy;
        var storeWrites = writes.Writes;
        await IngestHost.CheckStoredAsync(ingest, load.Samples, cancellationToken);
        await ingest.StopAsync(cancellationToken);
        await BrokerSessions.DiscardAsync(broker, clientId);
        return new DrainMeasurement(load.Samples / elapsed.TotalSeconds, busy / elapsed, storeWrites);
    }
}
