namespace Pipeline.Runner.Observing;

/// <summary>How many messages wait in one of ingest's queues.</summary>
internal sealed record QueueDepth(string Queue, int Depth);
