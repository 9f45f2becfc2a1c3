namespace Pipeline.Ingest.Bench;

/// <summary>One backlog drain: its rate, the share of its time the store was busy writing, how many store writes it took, and where its time went (<see cref="DrainTimeline"/>).</summary>
public sealed record DrainMeasurement(double SamplesPerSecond, double StoreBusyShare, long StoreWrites, string Timeline);
