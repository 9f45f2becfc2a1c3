using Pipeline.EdgeAgent.Devices;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation.Golf;
using Pipeline.Simulation.Microscope;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// One agent and the simulated device it drives. Bound from the "Agent" section, or from each entry of the
/// "Agents" list; <see cref="Check"/> names every problem at start-up.
/// </summary>
public sealed class EdgeAgentOptions
{
    private const long MaxOutboxBytes = 1L << 40;

    // Below mosquitto's 20 messages in flight to a client, which the outbox and predictions share.
    private const int MaxModelFetchChunksInFlight = 8;

    public string DeviceId { get; set; } = "";

    public string Site { get; set; } = Topics.DefaultSite;

    /// <summary>The kind of device: <see cref="DeviceKinds.Golf"/> or <see cref="DeviceKinds.Microscope"/>; it decides the learning task the device feeds.</summary>
    public string Kind { get; set; } = DeviceKinds.Golf;

    /// <summary>
    /// Replays a recording instead of simulating: for kind golf a motion CSV file, for kind microscope a folder of
    /// PGM/PPM frames with a labels.csv (docs/DEVICES.md, "Replay"). Empty simulates. Streaming stops when it ends.
    /// </summary>
    public string ReplayPath { get; set; } = "";

    /// <summary>Set in the "Agent" section only: run that many copies of this device (see <see cref="FleetOptions"/>).</summary>
    public FleetOptions Fleet { get; set; } = new();

    /// <summary>How many times faster than wall time the simulated device runs.</summary>
    public double SpeedFactor { get; set; } = 1;

    public int Seed { get; set; } = 1;

    /// <summary>Where the agent keeps its last good model; empty means "edge-data/DEVICEID" under the working folder.</summary>
    public string DataFolder { get; set; } = "";

    /// <summary>Motion samples per MQTT message.</summary>
    public int BatchSamples { get; set; } = 50;

    public double SampleRateHz { get; set; } = GolfClubSimulator.DefaultSampleRateHz;

    /// <summary>Side of the square microscope frames in pixels.</summary>
    public int FrameSize { get; set; } = DropletMicroscopeSimulator.DefaultSide;

    /// <summary>Microscope: Gray8 (a monochrome camera) or Rgb24 (a colour camera: the droplets' interference colours).</summary>
    public PixelFormat FrameFormat { get; set; } = PixelFormat.Gray8;

    public int FramesPerSession { get; set; } = DropletMicroscopeSimulator.DefaultFramesPerSession;

    /// <summary>Simulated seconds between microscope frames.</summary>
    public TimeSpan FrameInterval { get; set; } = TimeSpan.FromSeconds(DropletMicroscopeSimulator.DefaultFrameIntervalSeconds);

    /// <summary>Each microscope session draws its degradation level uniformly from 0..this.</summary>
    public float MaxDegradation { get; set; } = 0.5f;

    /// <summary>
    /// Gyroscope magnitude (deg/s) at which the edge swing detector starts a swing. Above the fastest backswing
    /// (about 730: 270 degrees in 0.6 s), practice waggles (at most 460) and walking (at most 120), which would
    /// otherwise trigger early or falsely; below the slowest downswing's peak (about 950 for p2's slowest).
    /// </summary>
    public float SwingTriggerDegreesPerSecond { get; set; } = 850;

    /// <summary>
    /// Gyroscope magnitude (deg/s) below which a detected swing has ended (hysteresis): low enough that the
    /// swing's own wobble around the peak never splits it, high enough that the follow-through drops below it
    /// within about 0.15 s of impact.
    /// </summary>
    public float SwingReleaseDegreesPerSecond { get; set; } = 400;

    /// <summary>
    /// How long after a swing's peak before another swing can trigger, so one swing is one detection even if its
    /// follow-through bounces; shorter than the 1.9 s between two simulated impacts at the least.
    /// </summary>
    public TimeSpan SwingRefractory { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Inputs waiting for inference; when full, the oldest is dropped so sampling never waits.</summary>
    public int InferenceQueueCapacity { get; set; } = 16;

    /// <summary>How long one model artifact chunk may take to arrive before the download gives up (its verified chunks stay on disk).</summary>
    public TimeSpan ArtifactTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Model artifact chunks requested at once (docs/DEVICES.md, "Model updates"); each is one subscription.</summary>
    public int ModelFetchChunksInFlight { get; set; } = 2;

    /// <summary>
    /// The most model bytes a second the agent asks the broker for, so a download leaves room for telemetry on a thin
    /// link; 0 does not limit. A chunk is requested only when the bytes requested before it fit the budget.
    /// </summary>
    public double ModelFetchBytesPerSecond { get; set; }

    /// <summary>
    /// The folder of public keys ("*.pub", ECDSA P-256 PEM) whose signatures on model manifests this device accepts.
    /// A model not signed by one of them is refused before its artifact is fetched; empty trusts no key, so no model
    /// is taken. `pipeline up` points its devices at the trainer's public key.
    /// </summary>
    public string TrustedModelKeysFolder { get; set; } = "";

    /// <summary>
    /// Cap on the on-disk outbox (under DataFolder/outbox). When full, the oldest segment (whole sessions, oldest
    /// first) is dropped and counted, so sampling goes on and the newest data survives (docs/DEVICES.md, "Outbox").
    /// </summary>
    public long OutboxMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Outbox messages published at once, each waiting for its PUBACK (docs/DEVICES.md, "Outbox"). Keep it at or
    /// below the broker's Receive Maximum (mosquitto's max_inflight_messages, 20 by default).
    /// </summary>
    public int OutboxInFlight { get; set; } = OutboxPublisher.DefaultInFlight;

    /// <summary>How often the retained status is refreshed when the outbox depth changed.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Stop streaming after this many sessions (per run); 0 streams until the host stops.</summary>
    public int MaxSessions { get; set; }

    public bool IsReplay => !string.IsNullOrWhiteSpace(ReplayPath);

    public string OutboxFolder => Path.Combine(ResolvedDataFolder, "outbox");

    public string ResolvedDataFolder => string.IsNullOrWhiteSpace(DataFolder) ? Path.Combine("edge-data", DeviceId) : DataFolder;

    /// <summary>Keys earlier releases read, by the key that replaced them; a section still setting one is refused naming the new key.</summary>
    public static IReadOnlyDictionary<string, string> RenamedKeys { get; } = new Dictionary<string, string>
    {
        ["FrameIntervalSeconds"] = nameof(FrameInterval),
        ["SwingRefractorySeconds"] = nameof(SwingRefractory),
        ["ArtifactTimeoutSeconds"] = nameof(ArtifactTimeout),
        ["StatusIntervalSeconds"] = nameof(StatusInterval),
    };

    /// <summary>Every problem with these options, each naming "<paramref name="section"/>:Key"; empty when they are usable by a device of their kind.</summary>
    public IReadOnlyList<string> Problems(string section, DeviceKindRegistry kinds)
    {
        var problems = new SettingProblems(section);
        Check(problems, kinds);
        return problems.All;
    }

    /// <summary>Adds every problem with these options to <paramref name="problems"/>, each naming the setting; adds none when they are usable by a device of their kind.</summary>
    public void Check(SettingProblems problems, DeviceKindRegistry kinds)
    {
        problems.Identifier(nameof(DeviceId), DeviceId);
        problems.Identifier(nameof(Site), Site);
        if (kinds.TryFind(Kind, out var kind))
        {
            kind.Check(this, problems);
        }
        else
        {
            problems.Add(nameof(Kind), $"\"{Kind}\" is unknown (expected {kinds.Expected})");
        }

        problems.Range(nameof(SpeedFactor), SpeedFactor, 0.01, 100_000);
        problems.Range(nameof(BatchSamples), BatchSamples, 1, MotionBatchCodec.MaxSamples);
        problems.Range(nameof(SampleRateHz), SampleRateHz, GolfClubSimulator.MinSampleRateHz, GolfClubSimulator.MaxSampleRateHz);
        problems.Range(nameof(FrameSize), FrameSize, DropletMicroscopeSimulator.MinSide, DropletMicroscopeSimulator.MaxSide);
        problems.Range(nameof(FramesPerSession), FramesPerSession, 1, 1000);
        problems.Range(nameof(FrameInterval), FrameInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        problems.Range(nameof(MaxDegradation), MaxDegradation, 0, 1);
        problems.Require(FrameFormat is PixelFormat.Gray8 or PixelFormat.Rgb24, nameof(FrameFormat), $"{FrameFormat} is not Gray8 or Rgb24");
        problems.Require(float.IsFinite(SwingTriggerDegreesPerSecond) && SwingTriggerDegreesPerSecond >= SwingWindowing.MinimumPeakGyroDegreesPerSecond
            && SwingTriggerDegreesPerSecond <= MotionChannels.Limit(MotionChannels.GyroZ),
            nameof(SwingTriggerDegreesPerSecond),
            $"{SwingTriggerDegreesPerSecond} is outside {SwingWindowing.MinimumPeakGyroDegreesPerSecond}..{MotionChannels.Limit(MotionChannels.GyroZ)} (below the least peak the trainer takes for a swing, or beyond the gyroscope's range)");
        problems.Require(float.IsFinite(SwingReleaseDegreesPerSecond) && SwingReleaseDegreesPerSecond > 0 && SwingReleaseDegreesPerSecond < SwingTriggerDegreesPerSecond,
            nameof(SwingReleaseDegreesPerSecond), $"{SwingReleaseDegreesPerSecond} must be above 0 and below SwingTriggerDegreesPerSecond ({SwingTriggerDegreesPerSecond})");
        problems.Range(nameof(SwingRefractory), SwingRefractory, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        problems.Range(nameof(InferenceQueueCapacity), InferenceQueueCapacity, 1, 10_000);
        problems.Range(nameof(ArtifactTimeout), ArtifactTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(1));
        problems.Range(nameof(ModelFetchChunksInFlight), ModelFetchChunksInFlight, 1, MaxModelFetchChunksInFlight);
        problems.Require(double.IsFinite(ModelFetchBytesPerSecond) && ModelFetchBytesPerSecond >= 0, nameof(ModelFetchBytesPerSecond), $"{ModelFetchBytesPerSecond} is not a finite number of 0 or more");
        problems.Range(nameof(OutboxMaxBytes), OutboxMaxBytes, DiskOutbox.MinMaxBytes, MaxOutboxBytes);
        problems.Range(nameof(OutboxInFlight), OutboxInFlight, 1, OutboxPublisher.MaxInFlight);
        problems.Range(nameof(StatusInterval), StatusInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
        problems.Range("Fleet:Count", Fleet.Count, 0, FleetOptions.MaxCount);
        problems.Require(MaxSessions >= 0, nameof(MaxSessions), $"{MaxSessions} is negative");
        problems.Require(DataFolder.IndexOfAny(Path.GetInvalidPathChars()) < 0, nameof(DataFolder), "contains characters not allowed in a path");
    }
}
