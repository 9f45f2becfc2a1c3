namespace Pipeline.EdgeAgent.Inference;

/// <summary>Something the device recorded that the running model should classify, with the ground truth when the device knows it.</summary>
internal abstract record InferenceRequest(long InputTimestampMicros, string? TrueClass);
