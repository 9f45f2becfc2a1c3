using System.Text.Json.Serialization;
using Pipeline.Runner.Registry;

namespace Pipeline.Runner.Up;

/// <summary>
/// What `pipeline up` writes to report.json in its run folder when it stops; <see cref="Rollouts"/> is the same
/// per-version view of the devices as `pipeline models status`.
/// </summary>
public sealed record RunReport(
    IngestedReport Ingested,
    IReadOnlyList<ModelReport> Models,
    IReadOnlyList<AgentReport> Agents,
    IReadOnlyList<RoundReport> Rounds,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string Broker,
    string DataFolder,
    IReadOnlyList<Rollout> Rollouts);

public sealed record IngestedReport(long MotionSamples, long MotionBatches, long Frames, long Labels, long Quarantined);

/// <summary>The newest published model of a task.</summary>
public sealed record ModelReport(string Task, int Version, double Accuracy, double MacroF1, string Schedule);

public sealed record AgentReport(
    string Id,
    string Task,
    int? ModelVersion,
    long Predictions,
    long CorrectPredictions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LiveAccuracy);

/// <summary>One training round of one task; <see cref="Version"/> is null when the model was not blessed, <see cref="Failure"/> set when the round failed.</summary>
public sealed record RoundReport(int Round, string Task, int? Version, double? Accuracy, double? MacroF1, int Examples, double Seconds,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Failure = null);
