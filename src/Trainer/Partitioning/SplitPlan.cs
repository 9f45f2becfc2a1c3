namespace Pipeline.Trainer.Partitioning;

/// <summary>
/// Where the pipeline register sits (stage 1 holds the blocks before <see cref="Register"/>), and, when it was chosen
/// automatically, the measured forward+backward time of one minibatch in each block and so in each stage.
/// </summary>
public sealed record SplitPlan(int Register, IReadOnlyList<TimeSpan> BlockTimes)
{
    /// <summary>Whether the register was chosen from measurements (false: set by hand).</summary>
    public bool Measured => BlockTimes.Count > 0;

    public TimeSpan Stage1Time => Sum(BlockTimes.Take(Register));

    public TimeSpan Stage2Time => Sum(BlockTimes.Skip(Register));

    public override string ToString() => Measured
        ? $"register {Register} (automatic): stage 1 {Stage1Time.TotalMilliseconds:F1} ms, stage 2 {Stage2Time.TotalMilliseconds:F1} ms per minibatch; blocks {string.Join(" ", BlockTimes.Select(t => t.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} ms"
        : $"register {Register} (set by hand)";

    private static TimeSpan Sum(IEnumerable<TimeSpan> times) => times.Aggregate(TimeSpan.Zero, (a, b) => a + b);
}
