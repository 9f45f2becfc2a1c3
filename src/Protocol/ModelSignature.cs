namespace Pipeline.Protocol;

/// <summary>
/// The trainer's signature over a manifest's canonical encoding (<see cref="ModelManifestSigning"/>): the id of the key
/// that made it and the ECDSA P-256 / SHA-256 signature, IEEE P1363 (r ‖ s, 64 bytes), in base64.
/// </summary>
public sealed record ModelSignature(string KeyId, string Value);
