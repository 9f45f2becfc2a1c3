namespace Pipeline.Trainer.Reporting;

/// <summary>One class on held-out data: how many examples it had, and the precision, recall and F1 of predicting it.</summary>
public sealed record ClassMetrics(string Class, int Support, double Precision, double Recall, double F1);
