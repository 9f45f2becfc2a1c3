namespace Pipeline.Tasks.Inference;

/// <summary>
/// The model's answer for one input: its class, the confidence in it, the regression head's concentration when the
/// model has one, and the probability of every class the model declares, in its order.
/// </summary>
public sealed record ModelOutput(string ClassName, float Confidence, float? ConcentrationPercent, IReadOnlyList<float> Probabilities);
