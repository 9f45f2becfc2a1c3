namespace Pipeline.Bench.Quality;

/// <summary>One configuration the bench trains per seed: a schedule, its pipeline register (0 without one) and whether it trains on the subset.</summary>
public sealed record QualityVariant(string Name, string Schedule, int Split, bool Subset);
