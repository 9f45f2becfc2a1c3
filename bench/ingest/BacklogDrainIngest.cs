using System.Diagnostics;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Our drain rate, measured like the raw broker's (<see cref="RawBrokerDrain"/>): an ingest subscribes once (creating its
/// persistent session) and stops; the same QoS 1 motion batches are queued on mosquitto for that session while it is
/// stopped; then a new ingest with the same client id is built, its services created (which opens its store and spill:
/// start-up, which mosquitto_sub has none of), and the clock runs from starting it (connect, session resume) until its
/// store holds the last sample, as the raw broker's runs from starting mosquitto_sub. Nothing else runs in this process
/// meanwhile, so the figure is ingest's own: broker delivery, decode, validate, batch, store write, acknowledgement.
/// Ingest's own metrics say where the time went (<see cref="DrainTimeline"/>).
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
        IngestHost.CreateServices(ingest);
        using var timeline = new DrainTimeline();
        var started = Stopwatch.GetTimestamp();
        await ingest.StartAsync(cancellationToken);
        await IngestHost.WaitForStoredAsync(ingest, load.Samples, cancellationToken);
        var stopped = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(started, stopped);
        var (storeWrites, busy) = timeline.StoreWrites;
        var described = timeline.Describe(started, stopped);
        await IngestHost.CheckStoredAsync(ingest, load.Samples, cancellationToken);
        await ingest.StopAsync(cancellationToken);
        await BrokerSessions.DiscardAsync(broker, clientId);
        return new DrainMeasurement(load.Samples / elapsed.TotalSeconds, busy / elapsed, storeWrites, described);
    }
}
