namespace Pipeline.Models;

/// <summary>A model's answer for one input; <see cref="ConcentrationPercent"/> is set by models with a regression head.</summary>
public sealed record InferenceResult(int ClassIndex, string ClassName, float Confidence, float? ConcentrationPercent);
