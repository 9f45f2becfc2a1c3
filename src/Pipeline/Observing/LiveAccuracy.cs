namespace Pipeline.Runner.Observing;

/// <summary>
/// One model version's predictions on devices: how many, how many carried the true class (simulated and replayed
/// devices know it), and how many of those were right.
/// </summary>
internal sealed record LiveAccuracy(string Task, int Version, long Predictions, long Labelled, long Correct)
{
    /// <summary>Correct over labelled; null before any labelled prediction.</summary>
    public double? Accuracy => Labelled > 0 ? (double)Correct / Labelled : null;
}
