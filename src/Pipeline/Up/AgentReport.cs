namespace Pipeline.Runner.Up;

/// <summary>A simulated device at the end of the run: the version it runs and its predictions over the run, all versions together.</summary>
internal sealed record AgentReport(string Id, string Task, int? ModelVersion, long Predictions);
