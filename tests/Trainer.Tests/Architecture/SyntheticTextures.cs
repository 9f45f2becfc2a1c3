using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.Tests.Architecture;

/// <summary>
/// Seeded image examples whose class is a texture (fine checkerboard, coarse checkerboard, a smooth blob) at a random
/// offset, plus noise: separable, but only by learning. Textures rather than positions, because the batch producer
/// turns square images by quarter turns and the ResNets average over positions.
/// </summary>
internal static class SyntheticTextures
{
    public const int Classes = 3;

    public static List<Example> Images(int perClass, int channels, int side, int seed)
    {
        var random = new Random(seed);
        var examples = new List<Example>();
        for (var c = 0; c < Classes; c++)
        {
            for (var n = 0; n < perClass; n++)
            {
                var (dx, dy) = (random.Next(side), random.Next(side));
                var input = new float[channels * side * side];
                for (var ch = 0; ch < channels; ch++)
                {
                    for (var y = 0; y < side; y++)
                    {
                        for (var x = 0; x < side; x++)
                        {
                            var (u, v) = (x + dx, y + dy);
                            double texture = c switch
                            {
                                0 => (u + v) % 2,
                                1 => ((u / 3) + (v / 3)) % 2,
                                _ => Math.Exp(-((Math.Pow(x - (side / 2.0), 2) + Math.Pow(y - (side / 2.0), 2)) / (side * side / 8.0))),
                            };
                            input[(ch * side * side) + (y * side) + x] = (float)(texture + ((random.NextDouble() - 0.5) * 0.6));
                        }
                    }
                }

                examples.Add(new Example($"dev/t{c}-{n}", input, 0f, c, 0f));
            }
        }

        return examples;
    }
}
