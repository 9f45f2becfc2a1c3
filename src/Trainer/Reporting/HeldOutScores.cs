namespace Pipeline.Trainer.Reporting;

/// <summary>One way of counting held-out results: over <see cref="Examples"/> frames or droplets, concentration MAE in % v/v (null without a regression head).</summary>
public sealed record HeldOutScores(int Examples, double Accuracy, double MacroF1, double? ConcentrationMae);
