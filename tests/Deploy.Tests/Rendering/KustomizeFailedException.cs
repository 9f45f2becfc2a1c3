namespace Pipeline.Deploy.Tests.Rendering;

/// <summary><c>kubectl kustomize</c> refused a kustomization; the message carries kubectl's own error.</summary>
public sealed class KustomizeFailedException(string message) : Exception(message);
