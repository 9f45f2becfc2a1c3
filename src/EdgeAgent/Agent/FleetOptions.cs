namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// "Agent:Fleet": turns the single "Agent" section into <see cref="Count"/> simulated devices in one process, for
/// load tests. Each is the "Agent" section with its own device id (<c>DEVICEID-0001</c> …), seed (derived from
/// Agent:Seed and its number, so the devices differ but every run is the same) and data folder
/// (<c>DATAFOLDER/DEVICEID-0001</c>, or the default per device).
/// </summary>
public sealed class FleetOptions
{
    /// <summary>Enough for a load test; each agent holds a connection, two files and a few small buffers.</summary>
    public const int MaxCount = 10_000;

    /// <summary>0 (the default) runs the one device "Agent" describes.</summary>
    public int Count { get; set; }

    public static string DeviceIdOf(string prefix, int number) => $"{prefix}-{number:D4}";

    /// <summary>A different, reproducible seed per device; a prime stride keeps fleets with nearby seeds apart.</summary>
    public static int SeedOf(int seed, int number) => unchecked((seed * 1_000_003) + number);
}
