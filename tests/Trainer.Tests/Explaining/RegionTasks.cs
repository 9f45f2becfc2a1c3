using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.Tests.Explaining;

/// <summary>
/// Seeded synthetic tasks whose class depends on one known region of the input, with a larger distractor that both
/// classes carry, so a model that had not learnt where the class is decided would spread its saliency over the distractor.
/// Class 0 shows a fine pattern in the region; class 1 shows nothing there. The models' heads pool over positions, so
/// the class is the pattern's presence; the region is where it appears.
/// </summary>
internal static class RegionTasks
{
    public const int ImageSide = 32;
    public const int Quadrant = ImageSide / 2;
    public const int PatchSide = 8;
    public const int Channels = 8;
    public const int Samples = 512;
    public const int RegionChannel = 7;
    public const int RegionStart = 160;
    public const int RegionEnd = 352;

    /// <summary>Whether flat index <paramref name="i"/> of a [1 × 32 × 32] image lies in its top-left quadrant.</summary>
    public static bool InTopLeftQuadrant(int i) => i / ImageSide < Quadrant && i % ImageSide < Quadrant;

    /// <summary>Whether flat index <paramref name="i"/> of an [8 × 512] window lies in channel 7's samples 160..351.</summary>
    public static bool InBurstRegion(int i) => i / Samples == RegionChannel && i % Samples is >= RegionStart and < RegionEnd;

    /// <summary>
    /// [1 × 32 × 32] images on a film of 0.2 with noise: class 0 holds a checkerboard patch of ±0.25 (8 × 8) somewhere
    /// in the top-left quadrant; both classes hold a bright smooth blob (peak 0.7, radius 5) in one of the other quadrants.
    /// </summary>
    public static List<Example> Images(int perClass, int seed)
    {
        var random = new Random(seed);
        var examples = new List<Example>();
        for (var c = 0; c < 2; c++)
        {
            for (var n = 0; n < perClass; n++)
            {
                var image = new float[ImageSide * ImageSide];
                for (var i = 0; i < image.Length; i++)
                {
                    image[i] = 0.2f + (float)((random.NextDouble() - 0.5) * 0.06);
                }

                var quadrant = 1 + random.Next(3);
                var (bx, by) = (((quadrant % 2) * Quadrant) + 4 + random.Next(Quadrant - 8), ((quadrant / 2) * Quadrant) + 4 + random.Next(Quadrant - 8));
                for (var y = 0; y < ImageSide; y++)
                {
                    for (var x = 0; x < ImageSide; x++)
                    {
                        image[(y * ImageSide) + x] += (float)(0.5 * Math.Exp(-(((x - bx) * (x - bx)) + ((y - by) * (y - by))) / 12.5));
                    }
                }

                if (c == 0)
                {
                    var (px, py) = (random.Next(Quadrant - PatchSide + 1), random.Next(Quadrant - PatchSide + 1));
                    for (var y = 0; y < PatchSide; y++)
                    {
                        for (var x = 0; x < PatchSide; x++)
                        {
                            image[((py + y) * ImageSide) + px + x] += (x + y) % 2 == 0 ? 0.25f : -0.15f;
                        }
                    }
                }

                examples.Add(new Example($"dev/image{c}-{n}", image, 0f, c, 0f));
            }
        }

        return examples;
    }

    /// <summary>
    /// [8 × 512] windows of noise: class 0 holds a fast oscillation (amplitude 0.6) in channel 7 within samples 160..351;
    /// both classes hold a slow bump (peak 1.5) in channel 2 at a random time.
    /// </summary>
    public static List<Example> Windows(int perClass, int seed)
    {
        var random = new Random(seed);
        var examples = new List<Example>();
        for (var c = 0; c < 2; c++)
        {
            for (var n = 0; n < perClass; n++)
            {
                var window = new float[Channels * Samples];
                for (var i = 0; i < window.Length; i++)
                {
                    window[i] = (float)((random.NextDouble() - 0.5) * 0.1);
                }

                var bump = 60 + random.Next(Samples - 120);
                for (var s = 0; s < Samples; s++)
                {
                    window[(2 * Samples) + s] += (float)(1.5 * Math.Exp(-Math.Pow((s - bump) / 30.0, 2)));
                }

                if (c == 0)
                {
                    var start = RegionStart + random.Next(RegionEnd - RegionStart - 64);
                    var phase = random.NextDouble() * Math.PI;
                    for (var s = start; s < start + 64; s++)
                    {
                        window[(RegionChannel * Samples) + s] += (float)(0.6 * Math.Sin((s * 0.9) + phase));
                    }
                }

                examples.Add(new Example($"dev/window{c}-{n}", window, 0f, c, 0f));
            }
        }

        return examples;
    }
}
