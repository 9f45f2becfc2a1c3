using System.Security.Cryptography;
using System.Text.Json;

namespace Pipeline.Protocol;

/// <summary>
/// Signs and verifies model manifests. The signature covers a canonical encoding of everything that decides what a
/// device runs (task, version, architecture, input shape, classes, artifact topic, size and SHA-256, created time and
/// the key id, and the chunk list and decision when there are), so the SHA-256 inside the manifest finally proves something: only a holder of a trusted private key
/// can vouch for an artifact. Metrics and the schedule are informational and not covered.
/// </summary>
public static class ModelManifestSigning
{
    private const string Domain = "pipeline/v1/model-manifest";

    /// <summary>The bytes a signature covers: a JSON array in fixed order, so it reads the same on every machine.</summary>
    public static byte[] CanonicalBytes(ModelManifest manifest, string keyId)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            writer.WriteStringValue(Domain);
            writer.WriteStringValue(manifest.Task);
            writer.WriteNumberValue(manifest.Version);
            writer.WriteStringValue(manifest.Architecture);
            writer.WriteStartArray();
            foreach (var dimension in manifest.InputShape)
            {
                writer.WriteNumberValue(dimension);
            }

            writer.WriteEndArray();
            writer.WriteStartArray();
            foreach (var name in manifest.Classes)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteStringValue(manifest.ArtifactTopic);
            writer.WriteNumberValue(manifest.SizeBytes);
            writer.WriteStringValue(manifest.Sha256);
            writer.WriteNumberValue(manifest.CreatedMicros);
            writer.WriteStringValue(keyId);

            // Appended only when present, so a manifest written before chunked delivery (such as a device's stored last
            // good model) encodes as it did and its signature still holds; the different length keeps both unambiguous.
            if (manifest.Chunks is { } chunks)
            {
                writer.WriteNumberValue(chunks.ChunkBytes);
                writer.WriteStartArray();
                foreach (var hash in chunks.Sha256)
                {
                    writer.WriteStringValue(hash);
                }

                writer.WriteEndArray();
            }

            // Marked by name, so it cannot be read as part of a chunk list, and appended only when present, as above.
            if (manifest.Decision is { } decision)
            {
                writer.WriteStringValue("decision");
                writer.WriteNumberValue(decision.Sequence);
                writer.WriteStringValue(decision.Kind);
            }

            writer.WriteEndArray();
        }

        return buffer.ToArray();
    }

    /// <summary>The manifest with <paramref name="key"/>'s signature (any earlier signature replaced).</summary>
    public static ModelManifest Sign(ModelManifest manifest, ModelSigningKey key)
    {
        var value = key.Key.SignData(CanonicalBytes(manifest, key.KeyId), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return manifest with { Signature = new ModelSignature(key.KeyId, Convert.ToBase64String(value)) };
    }

    /// <summary>Null when a trusted key signed exactly this manifest; otherwise why it must not be run.</summary>
    public static string? Verify(ModelManifest manifest, TrustedModelKeys trusted)
    {
        if (manifest.Signature is not { } signature)
        {
            return "the manifest is not signed";
        }

        if (!trusted.TryGet(signature.KeyId, out var key))
        {
            return trusted.Count == 0
                ? "no model-signing key is trusted here (Agent:TrustedModelKeysFolder)"
                : $"it is signed by key {signature.KeyId}, which is not trusted here";
        }

        var value = new byte[64];
        if (!Convert.TryFromBase64String(signature.Value, value, out var length) || length != value.Length)
        {
            return "its signature is not 64 bytes of base64";
        }

        return key.VerifyData(CanonicalBytes(manifest, signature.KeyId), value, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? null
            : $"its signature by key {signature.KeyId} does not match its content (tampered)";
    }
}
