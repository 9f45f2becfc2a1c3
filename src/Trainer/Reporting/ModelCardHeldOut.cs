namespace Pipeline.Trainer.Reporting;

/// <summary>Held-out results: overall, and per class from the confusion matrix.</summary>
public sealed record ModelCardHeldOut(double Accuracy, double MacroF1, double? ConcentrationMae, IReadOnlyList<ClassMetrics> PerClass);
