namespace Pipeline.Runner.Explain;

/// <summary>
/// One preprocessed model input to explain: <see cref="Name"/> names its PNG, <see cref="Source"/> says where it came
/// from (file, and droplet or window), <see cref="Label"/> is its class when the data says (a class subfolder, a
/// window's label, a recording's player and shape).
/// </summary>
internal sealed record ExplainedInput(string Name, string Source, float[] Input, float Auxiliary, string? Label);
