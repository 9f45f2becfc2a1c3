using Microsoft.Extensions.Configuration;
using Pipeline.Protocol;
using Pipeline.Settings;

namespace Pipeline.Ingest;

/// <summary>Typed settings of ingest, bound from the "Ingest" configuration section and checked at start.</summary>
public sealed class IngestOptions : ICheckedSettings
{
    public const string Section = "Ingest";

    static string ICheckedSettings.Section => Section;

    void ICheckedSettings.BindFrom(IConfigurationSection section) => section.Bind(this);

    static IReadOnlyDictionary<string, string> ICheckedSettings.RenamedKeys { get; } = new Dictionary<string, string>
    {
        ["BatchMaxDelayMilliseconds"] = nameof(BatchMaxDelay),
        ["MaxFutureSkewSeconds"] = nameof(MaxFutureSkew),
        ["StoreAttemptTimeoutMilliseconds"] = nameof(StoreAttemptTimeout),
        ["StoreRetryBaseDelayMilliseconds"] = nameof(StoreRetryBaseDelay),
        ["StoreRetryMaxDelayMilliseconds"] = nameof(StoreRetryMaxDelay),
        ["StoreCircuitSamplingMilliseconds"] = nameof(StoreCircuitSampling),
        ["StoreCircuitBreakMilliseconds"] = nameof(StoreCircuitBreak),
    };

    /// <summary>The data folder shared with the trainer; the embedded store (when no other store is registered) lives in its "store" folder.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>Where rejected messages are written as JSON lines; empty means "DataFolder/quarantine".</summary>
    public string QuarantineFolder { get; set; } = "";

    /// <summary>
    /// When set, ingest subscribes through the MQTT 5 shared subscription "$share/&lt;group&gt;/…", so several ingest
    /// instances (each with its own ClientId) split the traffic. Needs a broker that supports it (mosquitto does,
    /// the embedded broker does not: leave it empty there). The instances must write to one shared store (InfluxDB).
    /// </summary>
    public string SharedSubscriptionGroup { get; set; } = "";

    /// <summary>The MQTT client id; the broker keeps this persistent session (and its queued messages) across restarts.</summary>
    public string ClientId { get; set; } = "pipeline-ingest";

    /// <summary>Capacity of the queue between receiving and decoding.</summary>
    public int ReceiveQueueCapacity { get; set; } = 1024;

    /// <summary>Capacity of the queue between decoding and writing.</summary>
    public int WriteQueueCapacity { get; set; } = 1024;

    /// <summary>Most messages written to the store in one write.</summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>
    /// Most messages the broker may have in flight to ingest, received but not yet acknowledged (the MQTT 5 receive
    /// maximum). Bounds what ingest holds while it batches; beyond it, the broker keeps the messages.
    /// </summary>
    public int InFlightMessages { get; set; } = 4096;

    /// <summary>Longest a message waits for others to share its write, when more are on their way.</summary>
    public TimeSpan BatchMaxDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Payloads above this are quarantined without decoding.</summary>
    public int MaxPayloadBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A quarantine file is rotated (keeping one previous file) when it reaches this size.</summary>
    public long QuarantineMaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How much of a rejected payload the quarantine keeps (base64 of the first bytes).</summary>
    public int QuarantinePayloadBytes { get; set; } = 1024;

    /// <summary>Timestamps before this (µs since the Unix epoch; default 2000-01-01) are a broken clock.</summary>
    public long MinTimestampMicros { get; set; } = 946_684_800_000_000;

    /// <summary>
    /// How far ahead of this machine's clock a device's timestamp may be: an hour, so a device whose clock drifted minutes
    /// ahead (no NTP on the edge) still has its data stored, while a year-2100 timestamp is quarantined.
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one store write may take before it is cancelled and counted as a failure (the resilience pipeline's per-attempt timeout).</summary>
    public TimeSpan StoreAttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a failed store write is retried (exponential backoff with jitter) before the batch is spilled to disk.</summary>
    public int StoreRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's delay; each further retry doubles it (jittered), up to <see cref="StoreRetryMaxDelay"/>.</summary>
    public TimeSpan StoreRetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between two retries of one store write.</summary>
    public TimeSpan StoreRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The share of failed store attempts, within <see cref="StoreCircuitSampling"/>, that opens the circuit (0 &lt; ratio ≤ 1).</summary>
    public double StoreCircuitFailureRatio { get; set; } = 0.5;

    /// <summary>The fewest store attempts within the sampling window before the circuit may open (at least 2).</summary>
    public int StoreCircuitMinimumThroughput { get; set; } = 4;

    /// <summary>The window over which the circuit breaker measures the failure ratio.</summary>
    public TimeSpan StoreCircuitSampling { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open circuit refuses store writes (which then spill at once) before one probe write is let through.</summary>
    public TimeSpan StoreCircuitBreak { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Where batches the store could not take are kept until it returns; empty means "DataFolder/spill".</summary>
    public string SpillFolder { get; set; } = "";

    /// <summary>
    /// Most bytes the spill may hold on disk. When it is full, ingest stops acknowledging: it holds its batch, retries the
    /// store, and the broker keeps everything else, so neither memory nor disk grows without bound and nothing is lost.
    /// </summary>
    public long SpillMaxBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Size at which the spill starts a new segment file; a segment is deleted once all its records are stored.</summary>
    public long SpillSegmentBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// The identities file (identities.json, as `pipeline devices` keeps it); set, ingest stores telemetry only from the
    /// devices registered there and quarantines the rest as "UnregisteredDevice". Empty admits every device.
    /// </summary>
    public string IdentitiesPath { get; set; } = "";

    public string ResolvedSpillFolder => string.IsNullOrWhiteSpace(SpillFolder) ? Path.Combine(DataFolder, "spill") : SpillFolder;

    public string ResolvedQuarantineFolder => string.IsNullOrWhiteSpace(QuarantineFolder) ? Path.Combine(DataFolder, "quarantine") : QuarantineFolder;

    public void Check(SettingProblems problems)
    {
        problems.NotEmpty(nameof(DataFolder), DataFolder);
        problems.Identifier(nameof(ClientId), ClientId);
        problems.Require(SharedSubscriptionGroup.Length == 0 || Identifiers.IsValid(SharedSubscriptionGroup), nameof(SharedSubscriptionGroup),
            $"\"{SharedSubscriptionGroup}\" must be empty or {Identifiers.Rule}");
        problems.Range(nameof(ReceiveQueueCapacity), ReceiveQueueCapacity, 1, 1_000_000);
        problems.Range(nameof(WriteQueueCapacity), WriteQueueCapacity, 1, 1_000_000);
        problems.Range(nameof(BatchSize), BatchSize, 1, 100_000);
        problems.Range(nameof(InFlightMessages), InFlightMessages, 1, ushort.MaxValue);
        problems.Range(nameof(BatchMaxDelay), BatchMaxDelay, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        problems.Range(nameof(MaxPayloadBytes), MaxPayloadBytes, 1, 256 * 1024 * 1024);
        problems.Range(nameof(QuarantinePayloadBytes), QuarantinePayloadBytes, 0, 1024 * 1024);
        problems.Range(nameof(MaxFutureSkew), MaxFutureSkew, TimeSpan.Zero, TimeSpan.FromDays(365));
        problems.Range(nameof(StoreAttemptTimeout), StoreAttemptTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));
        problems.Range(nameof(StoreRetryAttempts), StoreRetryAttempts, 0, 100);
        problems.Range(nameof(StoreRetryBaseDelay), StoreRetryBaseDelay, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        problems.Range(nameof(StoreRetryMaxDelay), StoreRetryMaxDelay, StoreRetryBaseDelay, TimeSpan.FromHours(1));
        problems.Range(nameof(StoreCircuitMinimumThroughput), StoreCircuitMinimumThroughput, 2, 1_000_000);
        problems.Range(nameof(StoreCircuitSampling), StoreCircuitSampling, TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1));
        problems.Range(nameof(StoreCircuitBreak), StoreCircuitBreak, TimeSpan.FromMilliseconds(500), TimeSpan.FromDays(1));
        problems.Require(StoreCircuitFailureRatio is > 0 and <= 1, nameof(StoreCircuitFailureRatio), $"{StoreCircuitFailureRatio} must be above 0 and at most 1");
        problems.Range(nameof(SpillSegmentBytes), SpillSegmentBytes, 4096, int.MaxValue);
        problems.Require(SpillMaxBytes >= SpillSegmentBytes, nameof(SpillMaxBytes), $"{SpillMaxBytes} is below {Section}:{nameof(SpillSegmentBytes)} {SpillSegmentBytes}");
        problems.Require(QuarantineMaxFileBytes >= 4096, nameof(QuarantineMaxFileBytes), $"{QuarantineMaxFileBytes} is below 4096");
        problems.Require(MinTimestampMicros >= 0, nameof(MinTimestampMicros), $"{MinTimestampMicros} is negative");
    }
}
