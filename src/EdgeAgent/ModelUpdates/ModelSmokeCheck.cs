using Pipeline.EdgeAgent.Simulation.Golf;
using Pipeline.EdgeAgent.Simulation.Microscope;
using Pipeline.Models;
using Pipeline.Models.Droplets;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Before a model goes live it must pass <see cref="ModelArtifacts.SmokeCheck"/> (an all-zero input) and then
/// answer one realistic input (a simulated swing window or droplet frame,
/// preprocessed exactly as live inputs are) with a class it declares and a confidence in 0..1. A model whose
/// weights load but whose shapes or outputs are wrong is caught here, not on the first live input.
/// </summary>
internal static class ModelSmokeCheck
{
    private const int Seed = 7;

    /// <summary>Null when the model answered sensibly; otherwise what was wrong.</summary>
    public static string? Run(IInferenceModel model, string task)
    {
        InferenceResult result;
        try
        {
            ModelArtifacts.SmokeCheck(model);
            var (input, auxiliary) = SampleInput(task);
            result = model.Predict(input, auxiliary);
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

    private static (float[] Input, float Auxiliary) SampleInput(string task)
    {
        if (task == LearningTasks.Swing)
        {
            var session = new GolfClubSimulator(Seed).NextSession();
            var start = SwingWindowing.FindWindowStart(session.Samples);
            if (start < 0)
            {
                throw new InvalidOperationException("no swing window found in the simulated check swing");
            }

            return (SwingWindowing.ToModelInput(session.Samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count)), 0f);
        }

        var microscope = new DropletMicroscopeSimulator(Seed, DropletImaging.Side, DropletImaging.Side);
        var droplets = microscope.NextSession();
        var frame = new MicroscopyFrame("smoke-check", 0, 0, 1, microscope.Width, microscope.Height, microscope.Format,
            droplets.FrameLabel, droplets.DegradationLevel, microscope.RenderFrame(droplets, droplets.FrameCount - 1));
        return (DropletSegmenter.Crop(frame)[0].Input, droplets.DegradationLevel);
    }
}
