namespace Pipeline.Models;

/// <summary>
/// A model's answer for one input; <see cref="ConcentrationPercent"/> is set by models with a regression head.
/// <see cref="Probabilities"/> (softmax, one per manifest class) is set by <see cref="IInferenceModel.PredictBatch"/>,
/// so answers for the droplets of one frame can be averaged.
/// </summary>
public sealed record InferenceResult(int ClassIndex, string ClassName, float Confidence, float? ConcentrationPercent, float[]? Probabilities = null);
