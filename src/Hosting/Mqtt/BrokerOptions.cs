using Microsoft.Extensions.Configuration;
using Pipeline.Settings;

namespace Pipeline.Hosting.Mqtt;

/// <summary>Where the MQTT broker is. Bound from the "Broker" configuration section.</summary>
public sealed class BrokerOptions : ICheckedSettings
{
    public const string Section = "Broker";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    static IReadOnlyDictionary<string, string> ICheckedSettings.RenamedKeys { get; } = new Dictionary<string, string>
    {
        ["SessionExpirySeconds"] = nameof(SessionExpiry),
        ["KeepAliveSeconds"] = nameof(KeepAlive),
        ["ReconnectMaxDelaySeconds"] = nameof(ReconnectMaxDelay),
    };

    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 1883;

    /// <summary>Seven days: an ingest outage over a long weekend still finds its queued messages waiting.</summary>
    public static readonly TimeSpan DefaultSessionExpiry = TimeSpan.FromDays(7);

    /// <summary>The longest session expiry MQTT 5 can carry (a 32-bit count of seconds).</summary>
    public static readonly TimeSpan MaxSessionExpiry = TimeSpan.FromSeconds(uint.MaxValue);

    /// <summary>64 MiB: above every telemetry message and every model artifact the trainer builds today.</summary>
    public const int DefaultMaxPacketBytes = 64 * 1024 * 1024;

    /// <summary>
    /// How long the broker keeps a disconnected client's session and the QoS 1 messages queued for it. When it runs
    /// out, the broker forgets both, so this bounds how long ingest may be away without losing acknowledged data.
    /// Sent in whole seconds; 00:00:00 ends the session with the connection.
    /// </summary>
    public TimeSpan SessionExpiry { get; set; } = DefaultSessionExpiry;

    /// <summary>The largest MQTT packet this client accepts (sent as the MQTT 5 maximum packet size on connect).</summary>
    public int MaxPacketBytes { get; set; } = DefaultMaxPacketBytes;

    /// <summary>1 MiB: a 100 Mbit/s link with 80 ms round trips stays full, and the kernel caps it at its own maximum anyway.</summary>
    public const int DefaultSocketBufferBytes = 1024 * 1024;

    /// <summary>
    /// The TCP send and receive buffer of each connection. MQTTnet otherwise sets both to 8 KiB, which turns off the
    /// kernel's buffer autotuning and leaves one segment in flight per delayed ACK: about 1.5 MB/s even over loopback,
    /// so a 5 MB model took seconds to publish and as long to fetch.
    /// </summary>
    public int SocketBufferBytes { get; set; } = DefaultSocketBufferBytes;

    /// <summary>
    /// The MQTT keep-alive: with no traffic for this long the client pings, and a broker that does not answer within
    /// <see cref="ResponseTimeout"/> counts as gone, which is how a link that silently stops carrying packets (no reset)
    /// is noticed.
    /// </summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a ping, subscribe or connect waits for the broker's answer: twice the keep-alive, 2 to 10 s.</summary>
    public TimeSpan ResponseTimeout => TimeSpan.FromSeconds(Math.Clamp(2 * KeepAlive.TotalSeconds, 2, 10));

    /// <summary>The longest wait between two reconnect attempts (the backoff doubles from 0.1 s up to this, with jitter).</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Where the secrets of this process's identities are (`&lt;name&gt;.secret`, named by client id). A connection whose
    /// client id has a secret there authenticates as that identity; empty (or no such file) connects anonymously. Over
    /// TLS, a client certificate there (`&lt;name&gt;.crt` with its key `&lt;name&gt;.key`) is presented as well.
    /// </summary>
    public string CredentialsFolder { get; set; } = "";

    /// <summary>
    /// A secret for the one identity of this process, for a device that keeps it in the environment
    /// (`PIPELINE_Broker__Password`) rather than in a file. Never pass it on a command line: other users can read those.
    /// </summary>
    public string Password { get; set; } = "";

    /// <summary>
    /// The certificate authority (PEM) that signed the broker's TLS certificate. Set, the connection uses TLS and trusts
    /// a broker only if its certificate chains to this authority and names the host; empty, it is plain TCP.
    /// </summary>
    public string CaCertificate { get; set; } = "";

    /// <summary>The secret <paramref name="clientId"/> authenticates with, or null to connect anonymously.</summary>
    public string? SecretFor(string clientId) =>
        (CredentialsFolder.Length > 0 ? Access.IdentityStore.ReadSecretFile(CredentialsFolder, clientId) : null)
        ?? (Password.Length > 0 ? Password : null);

    /// <summary>The client certificate (with its key) <paramref name="clientId"/> presents over TLS, or null when it has none.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificateFor(string clientId)
    {
        if (CredentialsFolder.Length == 0)
        {
            return null;
        }

        var (certificate, key) = Access.BrokerCertificates.ClientCertificatePaths(CredentialsFolder, clientId);
        return File.Exists(certificate) && File.Exists(key)
            ? System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(certificate, key)
            : null;
    }

    public void Check(SettingProblems problems)
    {
        problems.NotEmpty(nameof(Host), Host);
        problems.Range(nameof(Port), Port, 1, 65535);
        problems.Range(nameof(SessionExpiry), SessionExpiry, TimeSpan.Zero, MaxSessionExpiry);
        problems.Range(nameof(MaxPacketBytes), MaxPacketBytes, 1024, 268_435_455);
        problems.Range(nameof(SocketBufferBytes), SocketBufferBytes, 4096, 64 * 1024 * 1024);
        problems.Range(nameof(KeepAlive), KeepAlive, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        problems.Range(nameof(ReconnectMaxDelay), ReconnectMaxDelay, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
    }

    /// <summary>Parses "host:port" as given on a command line; the error names what is wrong.</summary>
    public static bool TryParseEndpoint(string text, out string host, out int port, out string? error)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"broker \"{text}\" is not host:port";
            return false;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"broker port \"{text[(colon + 1)..]}\" is not a number in 1..65535";
            return false;
        }

        host = text[..colon].Trim('[', ']');
        error = null;
        return true;
    }
}
