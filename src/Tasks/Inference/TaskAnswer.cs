using Pipeline.Protocol;

namespace Pipeline.Tasks.Inference;

/// <summary>
/// A task's answer for one recorded input, what a <see cref="Prediction"/> carries about it: the class, its confidence,
/// the concentration when the model estimates one, and each droplet's own answer for a frame of droplets.
/// </summary>
public sealed record TaskAnswer(string PredictedClass, float Confidence, float? ConcentrationPercent, IReadOnlyList<DropletPrediction>? Droplets = null);
