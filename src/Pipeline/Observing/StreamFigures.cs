namespace Pipeline.Runner.Observing;

/// <summary>One telemetry stream in ingest: messages received and stored so far, and the receive rate since the previous read.</summary>
internal sealed record StreamFigures(string Stream, long Received, long Stored, double ReceivedPerSecond);
