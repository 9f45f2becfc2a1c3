using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>One microscopy frame as it was sent; inference classifies each of its droplets and answers for the frame.</summary>
internal sealed record FrameInferenceRequest(MicroscopyFrame Frame, string TrueClass)
    : InferenceRequest(Frame.TimestampMicros, TrueClass);
