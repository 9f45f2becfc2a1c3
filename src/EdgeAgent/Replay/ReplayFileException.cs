namespace Pipeline.EdgeAgent.Replay;

/// <summary>A recording that cannot be replayed at all (missing, unreadable, wrong header); the message names the file and line.</summary>
public sealed class ReplayFileException(string message, Exception? inner = null) : Exception(message, inner);
