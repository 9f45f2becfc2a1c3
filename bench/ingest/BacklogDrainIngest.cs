using System.Diagnostics;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Our drain rate, measured like the raw broker's (<see cref="RawBrokerDrain"/>): an ingest subscribes once (creating its
/// persistent session) and stops; the same QoS 1 motion batches are queued on mosquitto for that session while it is
/// stopped; then a new ingest with the same client id is built, its services created (which opens its store and spill:
/// start-up, which mosquitto_sub has none of), and the clock runs from starting it (connect, session resume) until its
/// store reports the last sample stored, as the raw broker's runs from starting mosquitto_sub. Nothing else runs in this process
/// meanwhile, so the figure is ingest's own: broker delivery, decode, validate, batch, store write, acknowledgement. The
/// publishers ran in this process just before, so their garbage and the load itself (50 MB at 30,000 batches) are let go
/// and collected before the clock starts: an ingest process of its own would not hold them, and collecting them during
/// the drain made full collections of this process's heap a part of ingest's figure.
/// Ingest's own metrics say where the time went (<see cref="DrainTimeline"/>).
/// </summary>
public static class BacklogDrainIngest
{
    public static async Task<DrainMeasurement> MeasureAsync(BrokerOptions broker, string dataFolder, IReadOnlyList<KeyValuePair<string, string?>> storeSettings, Func<MotionLoad> createLoad, CancellationToken cancellationToken)
    {
        var clientId = $"bench-drain-{Guid.NewGuid():N}"[..24];
        using (var subscriber = IngestHost.Build(broker, dataFolder, clientId, storeSettings))
        {
            await IngestHost.StartAsync(subscriber, cancellationToken);
            await subscriber.StopAsync(cancellationToken);
        }

        var samples = await QueueBacklogAsync(broker, createLoad(), cancellationToken);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        using var ingest = IngestHost.Build(broker, dataFolder, clientId, storeSettings);
        IngestHost.CreateServices(ingest);
        using var timeline = new DrainTimeline(samples);
        var started = Stopwatch.GetTimestamp();
        await ingest.StartAsync(cancellationToken);
        var stopped = await timeline.AllStoredAsync(TimeSpan.FromSeconds(120), cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started, stopped);
        var (storeWrites, busy) = timeline.StoreWrites;
        var described = timeline.Describe(started, stopped);
        await IngestHost.CheckStoredAsync(ingest, samples, cancellationToken);
        await ingest.StopAsync(cancellationToken);
        await BrokerSessions.DiscardAsync(broker, clientId);
        return new DrainMeasurement(samples / elapsed.TotalSeconds, busy / elapsed, storeWrites, described);
    }

    /// <summary>Publishes the load for the stopped session; the load is unreachable once this returns.</summary>
    private static async Task<long> QueueBacklogAsync(BrokerOptions broker, MotionLoad load, CancellationToken cancellationToken)
    {
        await LoadPublisher.PublishAsync(broker, load.Messages, connections: 4, window: 100, fixedTopic: null, cancellationToken);
        return load.Samples;
    }
}
