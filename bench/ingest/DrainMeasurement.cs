namespace Pipeline.Ingest.Bench;

/// <summary>One backlog drain: its rate, the share of its time the store was busy writing, and how many store writes it took.</summary>
public sealed record DrainMeasurement(double SamplesPerSecond, double StoreBusyShare, long StoreWrites);
