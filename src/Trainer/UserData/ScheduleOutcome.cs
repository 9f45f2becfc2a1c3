using Pipeline.Protocol;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// One schedule's result on a user's data: held-out metrics, training throughput, the split it used (null without a
/// pipeline), every epoch's progress and the held-out confusion matrix (for <see cref="TrainingReport"/>).
/// </summary>
public sealed record ScheduleOutcome(string Schedule, ModelMetrics Metrics, double SamplesPerSecond, SplitPlan? Plan, IReadOnlyList<TimeSpan> StageBusyTimes,
    IReadOnlyList<EpochProgress> History, ConfusionMatrix Confusion);
