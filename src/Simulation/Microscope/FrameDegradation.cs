namespace Pipeline.Simulation.Microscope;

/// <summary>
/// What a cheap edge camera and its link do to a frame, at one level 0 (pristine) to 1 (worst): defocus blur,
/// sensor noise, then coarse quantisation standing in for JPEG's loss of fine grey levels.
/// </summary>
internal static class FrameDegradation
{
    public const double MaxBlurSigma = 1.6;
    public const double MaxNoiseSd = 20;
    public const int MaxQuantisationStep = 32;

    public static void Apply(double[] image, int width, int height, float level, Random random)
    {
        if (!(level is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "the degradation level must be 0..1");
        }

        if (level == 0)
        {
            return;
        }

        var sigma = MaxBlurSigma * level;
        if (sigma >= 0.3)
        {
            Blur(image, width, height, sigma);
        }

        var noiseSd = MaxNoiseSd * level;
        var step = 1 + (int)Math.Round((MaxQuantisationStep - 1) * level);
        for (var i = 0; i < image.Length; i++)
        {
            var noisy = image[i] + NormalDistribution.Sample(random, 0, noiseSd);
            image[i] = Math.Round(noisy / step) * step;
        }
    }

    private static void Blur(double[] image, int width, int height, double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        for (var k = -radius; k <= radius; k++)
        {
            kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        }

        var sum = kernel.Sum();
        for (var k = 0; k < kernel.Length; k++)
        {
            kernel[k] /= sum;
        }

        var temporary = new double[image.Length];
        Convolve(image, temporary, width, height, kernel, radius, horizontal: true);
        Convolve(temporary, image, width, height, kernel, radius, horizontal: false);
    }

    private static void Convolve(double[] source, double[] destination, int width, int height, double[] kernel, int radius, bool horizontal)
    {
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double value = 0;
                for (var k = -radius; k <= radius; k++)
                {
                    var sx = horizontal ? Math.Clamp(x + k, 0, width - 1) : x;
                    var sy = horizontal ? y : Math.Clamp(y + k, 0, height - 1);
                    value += kernel[k + radius] * source[sy * width + sx];
                }

                destination[y * width + x] = value;
            }
        }
    }
}
