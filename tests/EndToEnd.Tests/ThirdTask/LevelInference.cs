using Pipeline.Tasks.Inference;

namespace Pipeline.EndToEnd.Tests.ThirdTask;

/// <summary>
/// How a tank's model is asked on the device: the last <see cref="LevelTask.WindowLevels"/> levels it read are one input,
/// standardised as the trainer standardises a session's window, and the model's answer is the prediction.
/// </summary>
internal sealed class LevelInference : TaskInference<float[]>
{
    protected override InferenceQuery Prepare(float[] levels) =>
        levels.Length == LevelTask.WindowLevels
            ? InferenceQuery.Single(LevelTask.Standardised(levels), 0f)
            : throw new ArgumentException($"a level window is {LevelTask.WindowLevels} levels; got {levels.Length}", nameof(levels));
}
