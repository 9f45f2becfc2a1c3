using System.Globalization;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// The verified chunks of the one model being downloaded, kept under "&lt;data folder&gt;/model-download/v&lt;version&gt;-&lt;first
/// 16 hex digits of its SHA-256&gt;/" as "&lt;index&gt;.chunk", so a download cut by a dropped link or a restart resumes with
/// the chunks it lacks. Opening a download deletes every other one (superseded); <see cref="Delete"/> ends it. A chunk
/// is written to a temporary file and renamed into place, and read back only if its SHA-256 still matches the manifest:
/// the disk is trusted no more than the broker. That check is also why chunks are not fsync'd: a chunk a power loss
/// left torn is found and fetched again, and a fsync for each of a fleet's chunks costs more than the rare refetch.
/// </summary>
internal sealed class PartialModelDownload
{
    public const string FolderName = "model-download";

    private const string ChunkExtension = ".chunk";
    private const string TemporaryExtension = ".tmp";

    private readonly ModelManifest _manifest;
    private readonly ArtifactChunks _chunks;

    private PartialModelDownload(string folder, ModelManifest manifest, ArtifactChunks chunks)
    {
        Folder = folder;
        _manifest = manifest;
        _chunks = chunks;
    }

    public string Folder { get; }

    /// <summary>The download of <paramref name="manifest"/>'s artifact under <paramref name="dataFolder"/>, made or resumed; any other one there is deleted.</summary>
    public static PartialModelDownload Open(string dataFolder, ModelManifest manifest, ArtifactChunks chunks)
    {
        var root = Path.Combine(dataFolder, FolderName);
        var folder = Path.Combine(root, string.Create(CultureInfo.InvariantCulture, $"v{manifest.Version}-{manifest.Sha256[..16]}"));
        Directory.CreateDirectory(folder);
        foreach (var other in Directory.EnumerateDirectories(root).Where(d => d != folder))
        {
            Directory.Delete(other, recursive: true);
        }

        return new PartialModelDownload(folder, manifest, chunks);
    }

    /// <summary>Deletes every download under <paramref name="dataFolder"/>: none is wanted any more.</summary>
    public static void DeleteAll(string dataFolder)
    {
        var root = Path.Combine(dataFolder, FolderName);
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Copies the chunks already on disk whose SHA-256 matches into <paramref name="artifact"/>; returns their indexes. Others are deleted.</summary>
    public async Task<HashSet<int>> RestoreAsync(byte[] artifact, CancellationToken cancellationToken)
    {
        var restored = new HashSet<int>();
        foreach (var path in Directory.EnumerateFiles(Folder))
        {
            var name = Path.GetFileName(path);
            if (!name.EndsWith(ChunkExtension, StringComparison.Ordinal)
                || !int.TryParse(name[..^ChunkExtension.Length], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || index >= _chunks.Count)
            {
                File.Delete(path);
                continue;
            }

            var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
            var (start, length) = _chunks.Range(_manifest.SizeBytes, index);
            if (bytes.Length != length || ArtifactChunks.Sha256Hex(bytes) != _chunks.Sha256[index])
            {
                File.Delete(path);
                continue;
            }

            bytes.CopyTo(artifact.AsSpan((int)start));
            restored.Add(index);
        }

        return restored;
    }

    /// <summary>Keeps a verified chunk.</summary>
    public async Task SaveAsync(int index, byte[] bytes, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Folder, index.ToString(CultureInfo.InvariantCulture) + ChunkExtension);
        var temporary = path + TemporaryExtension;
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1, useAsync: true))
        {
            await file.WriteAsync(bytes, cancellationToken);
        }

        File.Move(temporary, path, overwrite: true);
    }

    public void Delete()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
    }
}
