using Pipeline.Protocol;
using Pipeline.Tasks.Inference;

namespace Pipeline.Tasks.Droplet;

/// <summary>
/// A microscope frame is segmented into droplets (<see cref="DropletSegmenter"/>), each droplet's crop one input of one
/// forward pass, with the frame's degradation level as the auxiliary input. The frame's answer is the mean of the
/// droplets' probabilities (and concentrations), as the trainer evaluates it; each droplet's own answer is listed. A
/// frame where no droplet is found is classified whole, and lists none.
/// </summary>
internal sealed class DropletInference : TaskInference<MicroscopyFrame>
{
    protected override InferenceQuery Prepare(MicroscopyFrame frame) => new FrameQuery(DropletSegmenter.Crop(frame), frame.DegradationLevel ?? 0f);

    private sealed class FrameQuery(IReadOnlyList<DropletCrop> crops, float degradation) : InferenceQuery([.. crops.Select(c => c.Input)], degradation)
    {
        protected override TaskAnswer Combine(IReadOnlyList<ModelOutput> outputs, IReadOnlyList<string> classes)
        {
            var mean = new float[classes.Count];
            foreach (var output in outputs)
            {
                for (var c = 0; c < mean.Length; c++)
                {
                    mean[c] += output.Probabilities[c] / outputs.Count;
                }
            }

            var best = 0;
            for (var c = 1; c < mean.Length; c++)
            {
                best = mean[c] > mean[best] ? c : best;
            }

            float? concentration = outputs.All(o => o.ConcentrationPercent.HasValue) ? outputs.Average(o => o.ConcentrationPercent!.Value) : null;
            DropletPrediction[] droplets = [.. crops.Zip(outputs)
                .Where(p => !p.First.Droplet.WholeFrame)
                .Select(p => new DropletPrediction(p.First.Droplet.CentreX, p.First.Droplet.CentreY, p.First.Droplet.Diameter, p.Second.ClassName, p.Second.Confidence))];
            return new TaskAnswer(classes[best], mean[best], concentration, droplets.Length > 0 ? droplets : null);
        }
    }
}
