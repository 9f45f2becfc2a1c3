namespace Pipeline.Protocol;

/// <summary>The last model a device refused: why, and its version (absent when the announcement did not decode).</summary>
public sealed record ModelRefusal(string Reason, int? Version = null);
