using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// Per-channel zero mean and unit variance for a user's windows. Why: a user's channels come in arbitrary units
/// (unlike the swing model's fixed scales), and a channel in the thousands would swamp one near 1. Fitted on the
/// training side only, so held-out examples tell the model nothing during training.
/// </summary>
internal sealed class ChannelStandardisation
{
    /// <summary>Below this spread a channel is treated as constant and only centred, not divided by (almost) zero.</summary>
    private const double MinimumSpread = 1e-6;

    private readonly float[] _mean;
    private readonly float[] _scale;
    private readonly int _samples;

    private ChannelStandardisation(float[] mean, float[] scale, int samples) => (_mean, _scale, _samples) = (mean, scale, samples);

    public static ChannelStandardisation Fit(IReadOnlyList<Example> examples, int channels, int samples)
    {
        var mean = new float[channels];
        var scale = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            foreach (var example in examples)
            {
                foreach (var value in example.Input.AsSpan(c * samples, samples))
                {
                    sum += value;
                    squares += (double)value * value;
                }
            }

            var count = (double)examples.Count * samples;
            var m = sum / count;
            var spread = Math.Sqrt(Math.Max(0, (squares / count) - (m * m)));
            mean[c] = (float)m;
            scale[c] = spread < MinimumSpread ? 1f : (float)(1 / spread);
        }

        return new ChannelStandardisation(mean, scale, samples);
    }

    public Example Apply(Example example)
    {
        var input = new float[example.Input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            var c = i / _samples;
            input[i] = (example.Input[i] - _mean[c]) * _scale[c];
        }

        return example with { Input = input };
    }
}
