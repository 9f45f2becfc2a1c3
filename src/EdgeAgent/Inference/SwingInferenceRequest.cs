using Pipeline.Tasks.Swing;
namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// One swing window the edge detector cut from the motion stream: <see cref="Pipeline.Models.SwingWindowing.WindowSamples"/>
/// samples, sample-major over 8 channels, the first recorded at <paramref name="WindowStartMicros"/>. TrueClass is the
/// label of the session holding the swing's peak, or null when the detection lies in no labelled session.
/// </summary>
internal sealed record SwingInferenceRequest(long WindowStartMicros, float[] Samples, string? TrueClass)
    : InferenceRequest(WindowStartMicros, TrueClass);
