using Pipeline.Protocol;

namespace Pipeline.Models;

// STUB: the trainer helper replaces every body in this file.
/// <summary>Reads and checks model artifacts against their manifest.</summary>
public static class ModelArtifacts
{
    /// <summary>Lower-case hex SHA-256, as in <see cref="ModelManifest.Sha256"/>.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>
    /// Checks size and SHA-256 against the manifest, builds the manifest's architecture and loads the weights.
    /// Throws <see cref="ModelArtifactException"/> naming the problem for a bad artifact.
    /// </summary>
    public static IInferenceModel Load(byte[] artifact, ModelManifest manifest) => throw new NotImplementedException();
}
