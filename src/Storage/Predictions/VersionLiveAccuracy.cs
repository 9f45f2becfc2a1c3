namespace Pipeline.Storage.Predictions;

/// <summary>
/// One model version's stored predictions: how many, how many carried the true class, and how many of those were right.
/// </summary>
public sealed record VersionLiveAccuracy(string Task, int Version, long Predictions, long Labelled, long Correct)
{
    /// <summary>Correct over labelled; null before any labelled prediction.</summary>
    public double? Accuracy => Labelled > 0 ? (double)Correct / Labelled : null;
}
