using Pipeline.Hosting.Mqtt;

namespace Pipeline.Runner.Up;

/// <summary>
/// The validated flags of `pipeline up`. <see cref="DashboardPort"/> null: no dashboard; 0: any free port (the command line
/// turns `--dashboard-port 0` into null).
/// </summary>
internal sealed record UpSettings(
    int Rounds,
    string DataFolder,
    string? ExternalBroker,
    int BrokerPort,
    double Speed,
    string Schedule,
    TimeSpan SettleTimeout,
    IReadOnlyList<KeyValuePair<string, string?>> Overrides,
    int? DashboardPort = null)
{
    /// <summary>The dashboard's port when `--dashboard-port` is not given.</summary>
    public const int DefaultDashboardPort = 8080;

    public static readonly IReadOnlyList<string> Schedules = ["pipelined", "non-pipelined", "hybrid"];

    /// <summary>Returns the first problem with the settings, in words a user can act on, or null.</summary>
    public string? Validate()
    {
        if (Rounds < 0)
        {
            return $"--rounds {Rounds} is negative; use 0 to run until Ctrl-C";
        }

        if (string.IsNullOrWhiteSpace(DataFolder))
        {
            return "--data is empty";
        }

        if (ExternalBroker is not null && !BrokerOptions.TryParseEndpoint(ExternalBroker, out _, out _, out var error))
        {
            return $"--broker: {error}";
        }

        if (BrokerPort is < 0 or > 65535)
        {
            return $"--port {BrokerPort} is outside 0..65535";
        }

        if (DashboardPort is < 0 or > 65535)
        {
            return $"--dashboard-port {DashboardPort} is outside 0..65535";
        }

        if (!double.IsFinite(Speed) || Speed is < 0.1 or > 1000)
        {
            return $"--speed {Speed} is outside 0.1..1000";
        }

        return Schedules.Contains(Schedule) ? null : $"--schedule \"{Schedule}\" is not one of {string.Join(", ", Schedules)}";
    }
}
