namespace Pipeline.Models;

/// <summary>A model artifact was refused: wrong size, wrong checksum, unknown architecture, or weights that do not load.</summary>
public sealed class ModelArtifactException : Exception
{
    public ModelArtifactException() { }

    public ModelArtifactException(string message) : base(message) { }

    public ModelArtifactException(string message, Exception inner) : base(message, inner) { }
}
