namespace Pipeline.Storage.Embedded;

/// <summary>What one checkpoint covers: the device logs to fsync, then the sealed write-ahead segments to delete.</summary>
internal sealed record CheckpointPlan(List<DeviceSeries> Logs, IReadOnlyList<long> Segments);
