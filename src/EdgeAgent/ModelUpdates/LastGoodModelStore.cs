using System.Globalization;
using Pipeline.Durability.Files;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// The agent's last good model on disk (its own private format): "manifest.json" as the protocol's manifest JSON and
/// "model-v&lt;version&gt;.bin" as the artifact bytes of the version it names. Saving writes the artifact under its own
/// name first and then replaces the manifest, each with <see cref="AtomicFile"/> (a side file fsync'd and renamed into place):
/// the manifest's rename is the one step that switches models, so a crash at any point leaves the old model or the
/// new one, each whole, never a manifest beside the other version's artifact. Reading trusts nothing: the manifest is
/// decoded and checked, and the artifact's size and checksum are verified again when the model is loaded.
/// </summary>
internal sealed class LastGoodModelStore(string folder)
{
    public const string ManifestFile = "manifest.json";

    public string Folder { get; } = folder;

    public string ManifestPath => Path.Combine(Folder, ManifestFile);

    public bool Exists => File.Exists(ManifestPath);

    public string ArtifactPath(int version) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"model-v{version}.bin"));

    public async Task SaveAsync(ModelManifest manifest, byte[] artifact, CancellationToken cancellationToken)
    {
        await AtomicFile.WriteAsync(ArtifactPath(manifest.Version), artifact, cancellationToken);
        await AtomicFile.WriteAsync(ManifestPath, ControlMessageCodec.Encode(manifest), cancellationToken);

        // Only now is the previous artifact unreferenced; so are temporary files a crash left behind.
        var current = ArtifactPath(manifest.Version);
        foreach (var stale in Directory.EnumerateFiles(Folder, "model*.bin").Concat(Directory.EnumerateFiles(Folder, "*" + AtomicFile.SideFileExtension)))
        {
            if (stale != current)
            {
                File.Delete(stale);
            }
        }
    }

    /// <summary>
    /// Replaces the stored manifest with <paramref name="manifest"/>, a newer announcement of the version stored (a
    /// newer decision for it); its artifact stays as it is.
    /// </summary>
    public Task SaveManifestAsync(ModelManifest manifest, CancellationToken cancellationToken) =>
        File.Exists(ArtifactPath(manifest.Version))
            ? AtomicFile.WriteAsync(ManifestPath, ControlMessageCodec.Encode(manifest), cancellationToken)
            : throw new InvalidOperationException($"{ArtifactPath(manifest.Version)} is missing: only the stored version's manifest can be replaced");

    /// <summary>The stored manifest and artifact, or an error naming what is wrong with them.</summary>
    public async Task<(ModelManifest? Manifest, byte[]? Artifact, string? Error)> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var manifestInfo = new FileInfo(ManifestPath);
            if (manifestInfo.Length > ControlMessageCodec.MaxBytes)
            {
                return (null, null, $"{ManifestPath} is {manifestInfo.Length} bytes; a manifest is at most {ControlMessageCodec.MaxBytes}");
            }

            var decoded = ControlMessageCodec.DecodeModelManifest(await File.ReadAllBytesAsync(ManifestPath, cancellationToken));
            if (!decoded.IsSuccess)
            {
                return (null, null, $"{ManifestPath} is not a valid manifest: {decoded.Error.Message}");
            }

            var artifactInfo = new FileInfo(ArtifactPath(decoded.Value.Version));
            if (!artifactInfo.Exists)
            {
                return (null, null, $"{artifactInfo.FullName} is missing");
            }

            if (artifactInfo.Length != decoded.Value.SizeBytes)
            {
                return (null, null, $"{artifactInfo.FullName} is {artifactInfo.Length} bytes; its manifest says {decoded.Value.SizeBytes}");
            }

            return (decoded.Value, await File.ReadAllBytesAsync(artifactInfo.FullName, cancellationToken), null);
        }
        catch (IOException e)
        {
            return (null, null, $"cannot read the last good model in {Folder}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return (null, null, $"cannot read the last good model in {Folder}: {e.Message}");
        }
    }
}
