using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>One microscopy frame as it was sent.</summary>
internal sealed record FrameInferenceRequest(MicroscopyFrame Frame, string TrueClass)
    : InferenceRequest(Frame.TimestampMicros, TrueClass);
