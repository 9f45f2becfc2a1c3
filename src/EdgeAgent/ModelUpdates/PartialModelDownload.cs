using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// The verified chunks of the one model being downloaded, each written at its place in one file,
/// "&lt;data folder&gt;/model-download/v&lt;version&gt;-&lt;first 16 hex digits of its SHA-256&gt;.partial", so a download cut by a
/// dropped link or a restart resumes with the chunks it lacks. One file rather than one per chunk: creating, renaming
/// and deleting a file for each of a model's chunks cost more than writing the chunks themselves. Opening a download
/// deletes every other one (superseded); <see cref="Delete"/> ends it. A chunk is read back only if its SHA-256 still
/// matches the manifest: the disk is trusted no more than the broker. That check is also why nothing is fsync'd and
/// why a chunk needs no temporary file: a chunk a power loss left torn, or a gap never written, is found and fetched again.
/// </summary>
internal sealed class PartialModelDownload : IDisposable
{
    public const string FolderName = "model-download";

    private const string Extension = ".partial";

    private readonly string _path;
    private readonly ModelManifest _manifest;
    private readonly ArtifactChunks _chunks;
    private readonly SafeFileHandle _file;

    private PartialModelDownload(string path, ModelManifest manifest, ArtifactChunks chunks)
    {
        _path = path;
        _manifest = manifest;
        _chunks = chunks;
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, FileOptions.Asynchronous);
    }

    /// <summary>Where the download of <paramref name="manifest"/>'s artifact under <paramref name="dataFolder"/> keeps its chunks.</summary>
    public static string PathOf(string dataFolder, ModelManifest manifest) =>
        Path.Combine(dataFolder, FolderName, string.Create(CultureInfo.InvariantCulture, $"v{manifest.Version}-{manifest.Sha256[..16]}{Extension}"));

    /// <summary>The download of <paramref name="manifest"/>'s artifact under <paramref name="dataFolder"/>, made or resumed; any other one there is deleted.</summary>
    public static PartialModelDownload Open(string dataFolder, ModelManifest manifest, ArtifactChunks chunks)
    {
        var path = Path.GetFullPath(PathOf(dataFolder, manifest));
        var root = Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        foreach (var other in root.EnumerateFileSystemInfos().Where(entry => entry.FullName != path))
        {
            // Folders too: agents before the one-file layout kept a folder of chunk files per download.
            if (other is DirectoryInfo folder)
            {
                folder.Delete(recursive: true);
            }
            else
            {
                other.Delete();
            }
        }

        return new PartialModelDownload(path, manifest, chunks);
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

    /// <summary>
    /// Reads what is on disk into <paramref name="artifact"/> and returns the indexes of the chunks whose SHA-256 matches;
    /// the bytes of the others are left there to be overwritten by the chunks fetched in their place.
    /// </summary>
    public async Task<HashSet<int>> RestoreAsync(byte[] artifact, CancellationToken cancellationToken)
    {
        var held = (int)Math.Min(RandomAccess.GetLength(_file), artifact.Length);
        var read = 0;
        while (read < held)
        {
            var count = await RandomAccess.ReadAsync(_file, artifact.AsMemory(read, held - read), read, cancellationToken);
            if (count == 0)
            {
                break;
            }

            read += count;
        }

        var restored = new HashSet<int>();
        for (var index = 0; index < _chunks.Count; index++)
        {
            var (start, length) = _chunks.Range(_manifest.SizeBytes, index);
            if (start + length <= read && ArtifactChunks.Sha256Hex(artifact.AsSpan((int)start, length)) == _chunks.Sha256[index])
            {
                restored.Add(index);
            }
        }

        return restored;
    }

    /// <summary>Keeps verified chunk <paramref name="index"/>.</summary>
    public async Task SaveAsync(int index, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await RandomAccess.WriteAsync(_file, bytes, _chunks.Range(_manifest.SizeBytes, index).Start, cancellationToken);

    public void Delete()
    {
        _file.Dispose();
        File.Delete(_path);
    }

    public void Dispose() => _file.Dispose();
}
