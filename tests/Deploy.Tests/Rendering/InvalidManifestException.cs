namespace Pipeline.Deploy.Tests.Rendering;

/// <summary>A rendered manifest that an API server would refuse: unknown kind or field, or a value of the wrong type.</summary>
public sealed class InvalidManifestException(string message, Exception? inner = null) : Exception(message, inner);
