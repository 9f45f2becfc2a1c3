using System.Globalization;
using Pipeline.EdgeAgent.Agent;

namespace Pipeline.Runner.Up;

/// <summary>The configuration `pipeline up` gives the components: one data folder, one broker, one device of each kind.</summary>
internal static class LoopComposition
{
    public const string GolfDevice = "club-1";
    public const string MicroscopeDevice = "scope-1";

    public static List<KeyValuePair<string, string?>> Settings(UpSettings up, string dataFolder, string brokerHost, int brokerPort)
    {
        string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        var settings = new List<KeyValuePair<string, string?>>
        {
            new("Broker:Host", brokerHost),
            new("Broker:Port", brokerPort.ToString(CultureInfo.InvariantCulture)),
            new("Ingest:DataFolder", dataFolder),
            new("Trainer:DataFolder", dataFolder),
            new("Trainer:Rounds", up.Rounds.ToString(CultureInfo.InvariantCulture)),
            new("Trainer:Schedule", up.Schedule),
            // Enough sessions that a first model is worth shipping: 9 swing classes (3 players x 3 shapes), 11 VOCs.
            new("Trainer:MinExamplesPerClass", "12"),
            new("Trainer:MinClasses", "9"),
            new("Trainer:Epochs", "20"),
            // Rounds keep a bounded time on two cores as the store grows: each trains on a fresh sample of this many examples...
            new("Trainer:MaxTrainExamples", "3000"),
            // ...and starts from the current version, so what earlier samples taught carries over.
            new("Trainer:WarmStart", "true"),
            new("Trainer:SigningKeyPath", LoopIdentities.ModelSigningKeyPath(dataFolder)),
            // Small frames keep a droplet round short on two cores; the model resamples to its own input size anyway.
            new("Agents:0:DeviceId", GolfDevice),
            new("Agents:0:Kind", DeviceKinds.Golf),
            new("Agents:0:SpeedFactor", Text(up.Speed)),
            new("Agents:0:Seed", "1"),
            new("Agents:0:DataFolder", Path.Combine(dataFolder, "edge", GolfDevice)),
            new("Agents:0:TrustedModelKeysFolder", LoopIdentities.TrustedModelKeysFolder(dataFolder)),
            new("Agents:1:DeviceId", MicroscopeDevice),
            new("Agents:1:Kind", DeviceKinds.Microscope),
            new("Agents:1:SpeedFactor", Text(up.Speed)),
            new("Agents:1:Seed", "2"),
            new("Agents:1:FrameSize", "64"),
            new("Agents:1:DataFolder", Path.Combine(dataFolder, "edge", MicroscopeDevice)),
            new("Agents:1:TrustedModelKeysFolder", LoopIdentities.TrustedModelKeysFolder(dataFolder)),
        };
        if (up.Speed > 1)
        {
            // Accelerated devices stamp simulated time, which runs ahead of the wall clock by (speed - 1) × elapsed.
            settings.Add(new("Ingest:MaxFutureSkew", "365.00:00:00"));
        }

        settings.AddRange(up.Overrides);
        return settings;
    }
}
