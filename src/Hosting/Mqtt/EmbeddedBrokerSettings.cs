namespace Pipeline.Hosting.Mqtt;

/// <summary>How the embedded broker listens and what it keeps for each client.</summary>
public sealed record EmbeddedBrokerSettings
{
    /// <summary>About 160 MiB of motion batches, or a few hundred MiB of frames, held in memory per subscriber.</summary>
    public const int DefaultMaxQueuedMessagesPerClient = 100_000;

    /// <summary>
    /// Far above what a device sends (a club at 25 times real time sends about 250 a second), far below what would let
    /// one client crowd out the others.
    /// </summary>
    public const double DefaultMaxPublishesPerSecondPerClient = 5000;

    /// <summary>The loopback port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// Undelivered QoS 1 messages a subscriber's session may hold before publishes to its topics are refused with
    /// "quota exceeded" (never dropped after a PUBACK). The queue lives in memory, so this bounds the broker's memory.
    /// </summary>
    public int MaxQueuedMessagesPerClient { get; init; } = DefaultMaxQueuedMessagesPerClient;

    /// <summary>
    /// Each client's average publish rate; beyond it (after a burst of twice as many) publishes are refused with
    /// "quota exceeded", which publishers retry, so one client slows only itself.
    /// </summary>
    public double MaxPublishesPerSecondPerClient { get; init; } = DefaultMaxPublishesPerSecondPerClient;

    /// <summary>A publish with a larger payload is refused (MQTTnet's server has no packet size limit of its own).</summary>
    public int MaxPacketBytes { get; init; } = BrokerOptions.DefaultMaxPacketBytes;

    /// <summary>The broker's TLS certificate with its key; set, the broker listens only with TLS, else only plain TCP.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? TlsCertificate { get; init; }

    /// <summary>
    /// The certificate authority whose client certificates the broker requires (mutual TLS), with
    /// <see cref="TlsCertificate"/> set; null asks for none. With identities, a certificate must name the identity the
    /// client authenticates as.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientAuthority { get; init; }

    /// <summary>
    /// Where the broker records the subscriptions of persistent sessions, so that after a restart it holds back the
    /// publishes they would have received until their clients subscribe again; null keeps nothing across restarts.
    /// </summary>
    public string? StateFolder { get; init; }

    /// <summary>
    /// The identities file (<see cref="Access.IdentityStore"/>) whose identities and topic policy the broker enforces;
    /// null runs it open, for anyone on loopback (tests, and deployments that put another broker in front).
    /// </summary>
    public string? IdentitiesPath { get; init; }
}
