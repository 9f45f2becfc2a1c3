using Pipeline.Tasks.Inference;

namespace Pipeline.Tasks.Swing;

/// <summary>
/// A swing the device's detector cut from its motion stream (<see cref="SwingWindowing.WindowSamples"/> samples,
/// sample-major over 8 channels) is one model input, normalised as the trainer normalises it; the model's answer is the prediction.
/// </summary>
internal sealed class SwingInference : TaskInference<float[]>
{
    protected override InferenceQuery Prepare(float[] window) => InferenceQuery.Single(SwingWindowing.ToModelInput(window), 0f);
}
