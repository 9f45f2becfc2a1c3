using System.Text.Json.Serialization;

namespace Pipeline.Runner.Status;

/// <summary>
/// A task's latest judged candidate (the last round): which it became (a version, or its rejected/ folder), when, and its
/// score against the current model's on the same held-out data.
/// </summary>
internal sealed record StatusDecision(
    string Task,
    string Candidate,
    string Created,
    bool Blessed,
    string Metric,
    double CandidateScore,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? CurrentVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? CurrentScoreOnSameData,
    string Reason);
