using System.Diagnostics;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// The broker's raw rate: the same motion-batch payloads, queued at QoS 1 for a persistent mosquitto_sub session,
/// then drained by mosquitto_sub (QoS 1, output discarded); the clock runs from its start to its exit.
/// Queuing them is timed too: it is what our publishers alone reach, a bound on the end-to-end measurement,
/// which runs them in the same process as ingest.
/// </summary>
public static class RawBrokerDrain
{
    public static async Task<(double Drain, double PublishAlone)> MeasureSamplesPerSecondAsync(BrokerOptions broker, MotionLoad load, CancellationToken cancellationToken)
    {
        var clientId = $"bench-raw-{Guid.NewGuid():N}"[..22];
        var topic = $"bench/raw/{clientId}";
        var session = $"-h {broker.Host} -p {broker.Port} -i {clientId} -c -q 1 -t {topic}";
        await ExternalCommand.RunAsync("mosquitto_sub", [.. session.Split(' '), "-E"], TimeSpan.FromSeconds(30));
        var publishing = Stopwatch.GetTimestamp();
        await LoadPublisher.PublishAsync(broker, load.Messages, connections: 4, window: 100, fixedTopic: topic, cancellationToken);
        var publishAlone = load.Samples / Stopwatch.GetElapsedTime(publishing).TotalSeconds;

        var started = Stopwatch.GetTimestamp();
        await ExternalCommand.RunAsync("bash", ["-c", $"mosquitto_sub {session} -C {load.Messages.Count} > /dev/null"], TimeSpan.FromMinutes(2));
        var drain = load.Samples / Stopwatch.GetElapsedTime(started).TotalSeconds;
        await BrokerSessions.DiscardAsync(broker, clientId);
        return (drain, publishAlone);
    }
}
