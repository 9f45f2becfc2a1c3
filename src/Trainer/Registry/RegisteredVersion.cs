using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>One version folder of the model registry: its manifest when the version is whole, else what is wrong with it.</summary>
public sealed record RegisteredVersion(int Version, string Folder, ModelManifest? Manifest, string? Problem);
