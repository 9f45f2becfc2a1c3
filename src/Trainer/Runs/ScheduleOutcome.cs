using Pipeline.Protocol;
using Pipeline.Trainer.Partitioning;
using Pipeline.Trainer.Reporting;

namespace Pipeline.Trainer.Runs;

/// <summary>
/// One training run's result: held-out metrics, training throughput, the split it used (null without a pipeline), every
/// epoch's progress, the held-out confusion matrix (for <see cref="TrainingReport"/>) and the identity of the data it
/// trained on (for the model card), and the 0-based epoch whose weights were kept (the best by validation, or the last).
/// </summary>
public sealed record ScheduleOutcome(string Schedule, ModelMetrics Metrics, double SamplesPerSecond, SplitPlan? Plan, IReadOnlyList<TimeSpan> StageBusyTimes,
    IReadOnlyList<EpochProgress> History, ConfusionMatrix Confusion, string DataIdentity, int KeptEpoch);
