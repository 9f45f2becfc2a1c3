namespace Pipeline.EdgeAgent.Inference;

/// <summary>A whole swing session (sample-major, 8 channels); the inference loop finds the swing in it.</summary>
internal sealed record SwingInferenceRequest(long SessionStartMicros, double SampleRateHz, float[] Samples, string TrueClass)
    : InferenceRequest(SessionStartMicros, TrueClass);
