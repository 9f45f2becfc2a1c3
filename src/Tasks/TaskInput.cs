namespace Pipeline.Tasks;

/// <summary>One preprocessed model input and its auxiliary scalar (0 when the task has none).</summary>
public sealed record TaskInput(float[] Input, float Auxiliary);
