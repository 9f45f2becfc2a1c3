using Pipeline.Models;
using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Before a model goes live it must pass <see cref="ModelArtifacts.SmokeCheck"/> (an all-zero input) and then
/// answer one realistic input with a class it declares and a confidence in 0..1. A model whose weights load but whose
/// shapes or outputs are wrong is caught here, not on the first live input. The realistic input is the task's own
/// (<see cref="ILearningTask.SmokeInput"/>): a recording in the wire format devices send, through the same preprocessing
/// as live inputs.
/// </summary>
internal static class ModelSmokeCheck
{
    /// <summary>Null when the model answered sensibly; otherwise what was wrong.</summary>
    public static string? Run(IInferenceModel model, ILearningTask task)
    {
        InferenceResult result;
        try
        {
            ModelArtifacts.SmokeCheck(model);
            var sample = task.SmokeInput();
            result = model.Predict(sample.Input, sample.Auxiliary);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"smoke check failed: {e.GetType().Name}: {e.Message}";
        }

        var classes = model.Manifest.Classes;
        if (result.ClassIndex < 0 || result.ClassIndex >= classes.Length)
        {
            return $"smoke check answered class index {result.ClassIndex}; the manifest declares {classes.Length} classes";
        }

        if (result.ClassName != classes[result.ClassIndex])
        {
            return $"smoke check answered class \"{result.ClassName}\" at index {result.ClassIndex}, where the manifest has \"{classes[result.ClassIndex]}\"";
        }

        if (!float.IsFinite(result.Confidence) || result.Confidence is < 0 or > 1)
        {
            return $"smoke check answered confidence {result.Confidence}, outside 0..1";
        }

        if (result.ConcentrationPercent is { } concentration && !float.IsFinite(concentration))
        {
            return $"smoke check answered concentration {concentration}";
        }

        return null;
    }
}
