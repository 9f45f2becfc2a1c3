namespace Pipeline.Simulation;

/// <summary>Gaussian draws from a seeded <see cref="Random"/> (Box–Muller), so simulations stay reproducible.</summary>
internal static class NormalDistribution
{
    public static double Sample(Random random, double mean = 0, double standardDeviation = 1)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return mean + standardDeviation * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
