using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation.Golf;
using Pipeline.Simulation.Microscope;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// One agent and the simulated device it drives. Bound from the "Agent" section, or from each entry of the
/// "Agents" list; <see cref="Validate"/> names every problem at start-up.
/// </summary>
public sealed class EdgeAgentOptions
{
    private const long MaxOutboxBytes = 1L << 40;

    // Below mosquitto's 20 messages in flight to a client, which the outbox and predictions share.
    private const int MaxModelFetchChunksInFlight = 8;

    public string DeviceId { get; set; } = "";

    public string Site { get; set; } = Topics.DefaultSite;

    /// <summary><see cref="DeviceKinds.Golf"/> or <see cref="DeviceKinds.Microscope"/>.</summary>
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
    public double FrameIntervalSeconds { get; set; } = DropletMicroscopeSimulator.DefaultFrameIntervalSeconds;

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
    /// Seconds after a swing's peak before another swing can trigger, so one swing is one detection even if its
    /// follow-through bounces; shorter than the 1.9 s between two simulated impacts at the least.
    /// </summary>
    public double SwingRefractorySeconds { get; set; } = 1.0;

    /// <summary>Inputs waiting for inference; when full, the oldest is dropped so sampling never waits.</summary>
    public int InferenceQueueCapacity { get; set; } = 16;

    /// <summary>How long one model artifact chunk may take to arrive before the download gives up (its verified chunks stay on disk).</summary>
    public double ArtifactTimeoutSeconds { get; set; } = 30;

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
    public double StatusIntervalSeconds { get; set; } = 10;

    /// <summary>Stop streaming after this many sessions (per run); 0 streams until the host stops.</summary>
    public int MaxSessions { get; set; }

    public string Task => DeviceKinds.TaskOf(Kind);

    public bool IsReplay => !string.IsNullOrWhiteSpace(ReplayPath);

    public string OutboxFolder => Path.Combine(ResolvedDataFolder, "outbox");

    public string ResolvedDataFolder => string.IsNullOrWhiteSpace(DataFolder) ? Path.Combine("edge-data", DeviceId) : DataFolder;

    /// <summary>Every problem with these options, each naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate(string prefix)
    {
        var errors = new List<string>();
        void Check(bool ok, string setting, string problem)
        {
            if (!ok)
            {
                errors.Add($"{prefix}:{setting} {problem}");
            }
        }

        Check(Identifiers.IsValid(DeviceId), nameof(DeviceId), $"\"{DeviceId}\" is not a valid identifier ({Identifiers.Rule})");
        Check(Identifiers.IsValid(Site), nameof(Site), $"\"{Site}\" is not a valid identifier ({Identifiers.Rule})");
        Check(DeviceKinds.IsKnown(Kind), nameof(Kind), $"\"{Kind}\" is unknown (expected {DeviceKinds.Golf} or {DeviceKinds.Microscope})");
        Check(double.IsFinite(SpeedFactor) && SpeedFactor is >= 0.01 and <= 100_000, nameof(SpeedFactor), $"{SpeedFactor} is outside 0.01..100000");
        Check(BatchSamples is >= 1 and <= MotionBatchCodec.MaxSamples, nameof(BatchSamples), $"{BatchSamples} is outside 1..{MotionBatchCodec.MaxSamples}");
        Check(SampleRateHz is >= GolfClubSimulator.MinSampleRateHz and <= GolfClubSimulator.MaxSampleRateHz, nameof(SampleRateHz),
            $"{SampleRateHz} is outside {GolfClubSimulator.MinSampleRateHz}..{GolfClubSimulator.MaxSampleRateHz}");
        Check(FrameSize is >= DropletMicroscopeSimulator.MinSide and <= DropletMicroscopeSimulator.MaxSide, nameof(FrameSize),
            $"{FrameSize} is outside {DropletMicroscopeSimulator.MinSide}..{DropletMicroscopeSimulator.MaxSide}");
        Check(FramesPerSession is >= 1 and <= 1000, nameof(FramesPerSession), $"{FramesPerSession} is outside 1..1000");
        Check(FrameIntervalSeconds is > 0 and <= 3600, nameof(FrameIntervalSeconds), $"{FrameIntervalSeconds} is outside (0, 3600]");
        Check(MaxDegradation is >= 0 and <= 1, nameof(MaxDegradation), $"{MaxDegradation} is outside 0..1");
        Check(FrameFormat is PixelFormat.Gray8 or PixelFormat.Rgb24, nameof(FrameFormat), $"{FrameFormat} is not Gray8 or Rgb24");
        Check(float.IsFinite(SwingTriggerDegreesPerSecond) && SwingTriggerDegreesPerSecond >= SwingWindowing.MinimumPeakGyroDegreesPerSecond
            && SwingTriggerDegreesPerSecond <= MotionChannels.Limit(MotionChannels.GyroZ),
            nameof(SwingTriggerDegreesPerSecond),
            $"{SwingTriggerDegreesPerSecond} is outside {SwingWindowing.MinimumPeakGyroDegreesPerSecond}..{MotionChannels.Limit(MotionChannels.GyroZ)} (below the least peak the trainer takes for a swing, or beyond the gyroscope's range)");
        Check(float.IsFinite(SwingReleaseDegreesPerSecond) && SwingReleaseDegreesPerSecond > 0 && SwingReleaseDegreesPerSecond < SwingTriggerDegreesPerSecond,
            nameof(SwingReleaseDegreesPerSecond), $"{SwingReleaseDegreesPerSecond} must be above 0 and below SwingTriggerDegreesPerSecond ({SwingTriggerDegreesPerSecond})");
        Check(SwingRefractorySeconds is >= 0 and <= 60, nameof(SwingRefractorySeconds), $"{SwingRefractorySeconds} is outside 0..60");
        Check(InferenceQueueCapacity is >= 1 and <= 10_000, nameof(InferenceQueueCapacity), $"{InferenceQueueCapacity} is outside 1..10000");
        Check(ArtifactTimeoutSeconds is > 0 and <= 3600, nameof(ArtifactTimeoutSeconds), $"{ArtifactTimeoutSeconds} is outside (0, 3600]");
        Check(ModelFetchChunksInFlight is >= 1 and <= MaxModelFetchChunksInFlight, nameof(ModelFetchChunksInFlight), $"{ModelFetchChunksInFlight} is outside 1..{MaxModelFetchChunksInFlight}");
        Check(double.IsFinite(ModelFetchBytesPerSecond) && ModelFetchBytesPerSecond >= 0, nameof(ModelFetchBytesPerSecond), $"{ModelFetchBytesPerSecond} is not a finite number of 0 or more");
        Check(OutboxMaxBytes is >= DiskOutbox.MinMaxBytes and <= MaxOutboxBytes, nameof(OutboxMaxBytes), $"{OutboxMaxBytes} is outside {DiskOutbox.MinMaxBytes}..{MaxOutboxBytes}");
        Check(OutboxInFlight is >= 1 and <= OutboxPublisher.MaxInFlight, nameof(OutboxInFlight), $"{OutboxInFlight} is outside 1..{OutboxPublisher.MaxInFlight}");
        Check(StatusIntervalSeconds is >= 0.1 and <= 86_400, nameof(StatusIntervalSeconds), $"{StatusIntervalSeconds} is outside 0.1..86400");
        Check(Fleet.Count is >= 0 and <= FleetOptions.MaxCount, "Fleet:Count", $"{Fleet.Count} is outside 0..{FleetOptions.MaxCount}");
        Check(MaxSessions >= 0, nameof(MaxSessions), $"{MaxSessions} is negative");
        Check(!IsReplay || Kind != DeviceKinds.Golf || File.Exists(ReplayPath), nameof(ReplayPath), $"\"{ReplayPath}\" is not a file (a golf replay reads a motion CSV file)");
        Check(!IsReplay || Kind != DeviceKinds.Microscope || Directory.Exists(ReplayPath), nameof(ReplayPath),
            $"\"{ReplayPath}\" is not a folder (a microscope replay reads a folder of frames with {Replay.FrameRecordingReader.LabelFileName})");
        Check(DataFolder.IndexOfAny(Path.GetInvalidPathChars()) < 0, nameof(DataFolder), "contains characters not allowed in a path");
        return errors;
    }
}
