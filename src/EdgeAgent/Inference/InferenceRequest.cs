namespace Pipeline.EdgeAgent.Inference;

/// <summary>Something the device recorded that the running model should classify, with the simulator's ground truth.</summary>
internal abstract record InferenceRequest(long InputTimestampMicros, string TrueClass);
