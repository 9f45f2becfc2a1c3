namespace Pipeline.Trainer.Dataset;

/// <summary>
/// The training examples one round trains on when the store holds more than a round may take: a class-stratified
/// sample, drawn afresh each round, so a round's time stays bounded as the store grows while successive rounds still
/// draw on all of it. The held-out side is never sampled: candidate and current model are weighed on all of it.
/// </summary>
internal static class RoundSample
{
    /// <summary><paramref name="data"/> with at most <paramref name="max"/> training examples (0: no limit; a class too small
    /// for its share still keeps one), each class keeping its share, in their stored order; the same seed and round draw
    /// the same sample.</summary>
    public static TrainingData AtMost(TrainingData data, int max, int seed, int round)
    {
        if (max <= 0 || data.Train.Count <= max)
        {
            return data;
        }

        // Not HashCode.Combine: that is randomised per process, and a resumed round must draw the same sample.
        var random = new Random(unchecked((seed * 1_000_003) + round));
        var kept = new List<int>(max);
        var share = (double)max / data.Train.Count;
        foreach (var members in Enumerable.Range(0, data.Train.Count).GroupBy(i => data.Train[i].ClassIndex))
        {
            var indices = members.ToArray();
            random.Shuffle(indices);
            kept.AddRange(indices.Take(Math.Max(1, (int)(indices.Length * share))));
        }

        kept.Sort();
        return data with { Train = [.. kept.Select(i => data.Train[i])] };
    }
}
