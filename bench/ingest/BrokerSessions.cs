using Pipeline.Hosting.Mqtt;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// Ends a persistent session a measurement left on mosquitto. A stopped ingest's session keeps its subscription to every
/// device's telemetry, so each later publish was queued for it too: after the nine drains of a run mosquitto held every
/// message nine times over, and rewrote that whole database every second (autosave_interval 1), starving the phases
/// that came later; at 30,000 messages the live phase no longer finished within its deadline.
/// </summary>
public static class BrokerSessions
{
    /// <summary>Connects as <paramref name="clientId"/> with a clean session, which makes mosquitto drop the old one, and leaves.</summary>
    public static Task DiscardAsync(BrokerOptions broker, string clientId) =>
        ExternalCommand.RunAsync("mosquitto_sub", ["-h", broker.Host, "-p", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", clientId, "-t", "bench/discard", "-E"], TimeSpan.FromSeconds(30));
}
