namespace Pipeline.Trainer.Reporting;

/// <summary>What metrics.json holds: the held-out result of one training run and its per-epoch history.</summary>
public sealed record ReportMetrics(
    string Schedule, string Model, double Accuracy, double MacroF1, int HeldOutExamples, double? ConcentrationMae,
    double SamplesPerSecond, IReadOnlyList<EpochProgress> Epochs);
