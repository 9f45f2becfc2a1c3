namespace Pipeline.Bench.Quality;

/// <summary>One trained variant and seed: held-out (test split) accuracy of the kept epoch, which epoch that was, and its training rate.</summary>
public sealed record QualityResult(QualityVariant Variant, int Seed, double Accuracy, int KeptEpoch, double SamplesPerSecond, TimeSpan Elapsed);
