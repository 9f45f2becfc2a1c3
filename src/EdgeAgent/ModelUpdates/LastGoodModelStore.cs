using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// The agent's last good model on disk (its own private format): "manifest.json" as the protocol's manifest
/// JSON and "model.bin" as the artifact bytes, each written to a temporary file and renamed into place.
/// Reading trusts nothing: the manifest is decoded and checked, and the artifact's size and checksum are
/// verified again when the model is loaded.
/// </summary>
public sealed class LastGoodModelStore(string folder)
{
    public const string ManifestFile = "manifest.json";
    public const string ArtifactFile = "model.bin";

    public string Folder { get; } = folder;

    public string ManifestPath => Path.Combine(Folder, ManifestFile);

    public string ArtifactPath => Path.Combine(Folder, ArtifactFile);

    public bool Exists => File.Exists(ManifestPath);

    public async Task SaveAsync(ModelManifest manifest, byte[] artifact, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        // The artifact goes first: a crash between the two renames leaves an old manifest beside a new artifact,
        // which the checksum then refuses, rather than a manifest pointing at bytes that never arrived.
        await WriteAtomicallyAsync(ArtifactPath, artifact, cancellationToken);
        await WriteAtomicallyAsync(ManifestPath, ControlMessageCodec.Encode(manifest), cancellationToken);
    }

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

            var artifactInfo = new FileInfo(ArtifactPath);
            if (!artifactInfo.Exists)
            {
                return (null, null, $"{ArtifactPath} is missing");
            }

            if (artifactInfo.Length != decoded.Value.SizeBytes)
            {
                return (null, null, $"{ArtifactPath} is {artifactInfo.Length} bytes; its manifest says {decoded.Value.SizeBytes}");
            }

            return (decoded.Value, await File.ReadAllBytesAsync(ArtifactPath, cancellationToken), null);
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

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }
}
