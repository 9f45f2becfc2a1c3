using System.Collections.Concurrent;
using Pipeline.Protocol;

namespace Pipeline.Runner.Observing;

/// <summary>
/// Predictions counted per task and model version, and how many of those that carried the true class were right: live
/// accuracy that never mixes two versions. Safe from any thread.
/// </summary>
internal sealed class LiveAccuracyTally
{
    private readonly ConcurrentDictionary<(string Task, int Version), Counts> _counts = new();

    public void Add(Prediction prediction)
    {
        var counts = _counts.GetOrAdd((prediction.Task, prediction.ModelVersion), _ => new Counts());
        Interlocked.Increment(ref counts.Predictions);
        if (prediction.TrueClass is { } truth)
        {
            Interlocked.Increment(ref counts.Labelled);
            if (string.Equals(truth, prediction.PredictedClass, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref counts.Correct);
            }
        }
    }

    /// <summary>One row per task and version that predicted, by task then version.</summary>
    public IReadOnlyList<LiveAccuracy> Snapshot() =>
        [.. _counts.OrderBy(c => c.Key.Task, StringComparer.Ordinal).ThenBy(c => c.Key.Version)
            .Select(c => new LiveAccuracy(c.Key.Task, c.Key.Version, Interlocked.Read(ref c.Value.Predictions), Interlocked.Read(ref c.Value.Labelled),
                Interlocked.Read(ref c.Value.Correct)))];

    private sealed class Counts
    {
        public long Predictions;
        public long Labelled;
        public long Correct;
    }
}
