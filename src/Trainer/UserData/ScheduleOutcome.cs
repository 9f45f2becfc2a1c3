using Pipeline.Protocol;
using Pipeline.Trainer.Partitioning;

namespace Pipeline.Trainer.UserData;

/// <summary>One schedule's result on a user's data: held-out metrics, training throughput, and the split it used (null without a pipeline).</summary>
public sealed record ScheduleOutcome(string Schedule, ModelMetrics Metrics, double SamplesPerSecond, SplitPlan? Plan, IReadOnlyList<TimeSpan> StageBusyTimes);
