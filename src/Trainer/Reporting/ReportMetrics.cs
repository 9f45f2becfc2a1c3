namespace Pipeline.Trainer.Reporting;

/// <summary>
/// What metrics.json holds: the held-out result of one training run and its per-epoch history; the augmentation it trained
/// with and the 1-based epoch whose weights it kept (the best by validation), where the writer knows them.
/// </summary>
public sealed record ReportMetrics(
    string Schedule, string Model, double Accuracy, double MacroF1, int HeldOutExamples, double? ConcentrationMae,
    double SamplesPerSecond, IReadOnlyList<EpochProgress> Epochs, string? Augmentation = null, int? KeptEpoch = null);
