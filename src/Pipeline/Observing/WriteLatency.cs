namespace Pipeline.Runner.Observing;

/// <summary>Store writes so far, and the median and 99th percentile of the latest ones' latency in milliseconds (null before the first).</summary>
internal sealed record WriteLatency(long Writes, double? MedianMs, double? P99Ms);
