using Pipeline.Protocol;

namespace Pipeline.Models;

/// <summary>A loaded model ready for inference. Not thread-safe: one caller at a time.</summary>
public interface IInferenceModel : IDisposable
{
    ModelManifest Manifest { get; }

    /// <summary>
    /// Classifies one preprocessed input (see <see cref="SwingWindowing.ToModelInput"/> and
    /// <see cref="DropletImaging.ToModelInput"/>). <paramref name="auxiliary"/> is the frame's degradation
    /// level for droplet models and ignored by swing models.
    /// </summary>
    InferenceResult Predict(ReadOnlySpan<float> input, float auxiliary);
}
