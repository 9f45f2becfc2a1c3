using System.Net;
using Microsoft.Extensions.Configuration;
using Pipeline.Settings;

namespace Pipeline.Hosting.Http;

/// <summary>
/// The component's small HTTP listener for probes and scraping (<c>/alive</c>, <c>/health</c>, <c>/metrics</c>), bound
/// from the "Http" configuration section. Off (port 0) unless configured, so in-process hosts (tests, <c>pipeline up</c>)
/// never compete for ports; the ingest and trainer executables default it on.
/// </summary>
internal sealed class HttpEndpointOptions : ICheckedSettings
{
    public const string Section = "Http";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    /// <summary>The TCP port of the listener; 0 turns it off.</summary>
    public int Port { get; set; }

    /// <summary>The address the listener binds: 127.0.0.1 keeps it on this machine, 0.0.0.0 (in a container) opens it to probes and scrapers.</summary>
    public string Address { get; set; } = "127.0.0.1";

    public void Check(SettingProblems problems)
    {
        problems.Require(Port is >= 0 and <= 65535, nameof(Port), $"{Port} must be 0 (off) or a TCP port up to 65535");
        problems.Require(IPAddress.TryParse(Address, out _), nameof(Address), $"\"{Address}\" must be an IP address such as 127.0.0.1 or 0.0.0.0");
    }
}
