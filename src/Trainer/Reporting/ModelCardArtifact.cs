namespace Pipeline.Trainer.Reporting;

/// <summary>The weights beside the card: their SHA-256 and size, and the input shape and classes (in output order) they expect.</summary>
public sealed record ModelCardArtifact(string Sha256, long SizeBytes, int[] InputShape, IReadOnlyList<string> Classes);
