namespace Pipeline.Trainer.Reporting;

/// <summary>
/// One saliency example beside a stored version (<see cref="Explaining.VersionExplanations"/>): the PNG's file name in the
/// version's folder, the held-out example's true class, what the model predicted and how sure it was, and the class
/// the map explains (the predicted one).
/// </summary>
public sealed record ModelCardExplanation(string File, string TrueClass, string PredictedClass, double Confidence, string ExplainedClass);
