using Pipeline.Protocol;
using Pipeline.Tasks.Swing;
using Pipeline.Tasks.Droplet;

namespace Pipeline.Models;

/// <summary>A loaded model ready for inference. Not thread-safe: one caller at a time.</summary>
public interface IInferenceModel : IDisposable
{
    ModelManifest Manifest { get; }

    /// <summary>
    /// Classifies one preprocessed input (see <see cref="SwingWindowing.ToModelInput"/> and
    /// <see cref="DropletSegmenter.Crop"/>). <paramref name="auxiliary"/> is the frame's degradation
    /// level for droplet models and ignored by swing models.
    /// </summary>
    InferenceResult Predict(ReadOnlySpan<float> input, float auxiliary);

    /// <summary>
    /// Classifies several preprocessed inputs sharing one <paramref name="auxiliary"/> (the droplets of one frame) in
    /// one forward pass; each result carries its class probabilities. At most <see cref="MaxBatch"/> inputs.
    /// </summary>
    IReadOnlyList<InferenceResult> PredictBatch(IReadOnlyList<float[]> inputs, float auxiliary);

    /// <summary>The most inputs one <see cref="PredictBatch"/> call takes: bounds the memory of one forward pass.</summary>
    public const int MaxBatch = 64;
}
