using Microsoft.Extensions.Configuration;
using Pipeline.Settings;

namespace Pipeline.Hosting.Shutdown;

/// <summary>
/// How long a stopping component may take to finish (the host's shutdown timeout), from <c>Shutdown:Timeout</c>
/// (a TimeSpan such as 00:00:25). Ingest drains its queues and in-flight batches into the store within it, and gives
/// what it could not finish back to the broker for redelivery once it passes. 25 s by default: inside the 30 s that
/// Kubernetes waits between SIGTERM and SIGKILL, leaving the rest for the process to exit.
/// </summary>
internal sealed class ShutdownOptions : ICheckedSettings
{
    public const string Section = "Shutdown";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(25);

    /// <summary>The longest a graceful stop may take before what is left is abandoned.</summary>
    public TimeSpan Timeout { get; set; } = DefaultTimeout;

    public void Check(SettingProblems problems) => problems.Range(nameof(Timeout), Timeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
}
