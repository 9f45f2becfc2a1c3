using Pipeline.Models;
using Pipeline.Trainer.Dataset;
using Pipeline.Tasks.Swing;

namespace Pipeline.Trainer.Tests;

/// <summary>Easy, seeded synthetic problems for training tests.</summary>
internal static class SyntheticExamples
{
    /// <summary>Swing windows whose class sets the frequency of a gyroscope burst, plus noise: separable, but only by learning.</summary>
    public static List<Example> Swings(int perClass, int classes, int seed)
    {
        var random = new Random(seed);
        var examples = new List<Example>();
        for (var c = 0; c < classes; c++)
        {
            for (var n = 0; n < perClass; n++)
            {
                var samples = new float[SwingWindowing.WindowSamples * 8];
                var phase = random.NextDouble() * Math.PI;
                for (var i = 0; i < SwingWindowing.WindowSamples; i++)
                {
                    var envelope = Math.Exp(-Math.Pow((i - 256) / 80.0, 2));
                    for (var ch = 0; ch < 8; ch++)
                    {
                        var noise = (random.NextDouble() - 0.5) * 0.4;
                        var signal = ch >= 5 ? envelope * Math.Sin((i * (c + 1) * 0.05) + phase + ch) : 0;
                        samples[(i * 8) + ch] = (float)((signal + noise) * SwingWindowing.ChannelScale[ch]);
                    }
                }

                examples.Add(new Example($"dev/s{c}-{n}", SwingWindowing.ToModelInput(samples), 0f, c, 0f));
            }
        }

        return examples;
    }

    /// <summary>Four-feature examples for a tiny linear model: the class is the sign of a fixed projection.</summary>
    public static List<Example> Linear(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<Example>();
        for (var n = 0; n < count; n++)
        {
            var x = Enumerable.Range(0, 4).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
            examples.Add(new Example($"dev/s{n}", x, 0f, x[0] + (0.5f * x[1]) - x[2] > 0 ? 1 : 0, 0f));
        }

        return examples;
    }
}
