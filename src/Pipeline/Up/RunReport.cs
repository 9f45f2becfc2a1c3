using System.Text.Json.Serialization;
using Pipeline.Runner.Registry;

namespace Pipeline.Runner.Up;

/// <summary>
/// What `pipeline up` writes to report.json in its run folder when it stops; every field is described in
/// docs/REPORT.md. <see cref="Rollouts"/> is the same per-version view of the devices as `pipeline models status`.
/// </summary>
internal sealed record RunReport(
    IngestedReport Ingested,
    IReadOnlyList<ModelReport> Models,
    IReadOnlyList<LiveAccuracyReport> LiveAccuracy,
    IReadOnlyList<AgentReport> Agents,
    IReadOnlyList<RoundReport> Rounds,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string Broker,
    string DataFolder,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Dashboard,
    IReadOnlyList<Rollout> Rollouts);
