using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Pipeline.Durability.Files;

namespace Pipeline.Storage.Shared;

/// <summary>
/// Content-addressed pixel store: "blobs/ab/abcdef…" named by the SHA-256 of the bytes, so identical frames
/// share one file. Written to a temporary name, fsynced, renamed, and the folder fsynced, so a blob is either whole or
/// absent, and one whose frame was acknowledged survives a power cut with its name. The temporary name is unique rather
/// than AtomicFile's fixed one: two writes of the same pixels may run at once, and both may rename over the same blob.
/// </summary>
internal sealed class BlobStore(string root)
{
    public static string HashOf(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Stores <paramref name="bytes"/> unless a blob with the same hash exists; returns the hash.</summary>
    public string Put(byte[] bytes)
    {
        var hash = HashOf(bytes);
        var path = PathOf(hash);
        if (File.Exists(path))
        {
            return hash;
        }

        var folder = Path.GetDirectoryName(path)!;
        DirectoryFlush.CreateDurably(folder);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(bytes);
            FileFlush.ToDisk(stream);
        }

        File.Move(temporary, path, overwrite: true);
        DirectoryFlush.ToDisk(folder);
        return hash;
    }

    /// <summary>
    /// Reads a blob back for one frame of a read; a blob that is missing, corrupt or named by a bad pointer costs that
    /// frame only (logged with the reason), never the whole read, so one bad sector does not hide a device's other frames.
    /// </summary>
    public bool TryGet(string hash, ILogger logger, string frameDescription, out byte[] bytes)
    {
        try
        {
            bytes = Get(hash);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("skipped {Frame}: {Reason}", frameDescription, e.Message);
            bytes = [];
            return false;
        }
    }

    /// <summary>Reads a blob back and checks it still hashes to its name.</summary>
    public byte[] Get(string hash)
    {
        var path = PathOf(hash);
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : throw new InvalidDataException($"blob {hash} is missing from {root}");
        return HashOf(bytes) == hash ? bytes : throw new InvalidDataException($"blob {path} does not match its hash (corrupted)");
    }

    /// <summary>
    /// The pointer comes back from a store a third party may write to (an InfluxDB series): anything but 64 lower-case
    /// hex digits could name a path outside the blob folder ("../../…"), so it is refused before it becomes one.
    /// </summary>
    private string PathOf(string hash) =>
        hash is { Length: 64 } && hash.All(char.IsAsciiHexDigitLower)
            ? Path.Combine(root, hash[..2], hash)
            : throw new InvalidDataException($"blob pointer \"{(hash.Length <= 80 ? hash : hash[..80] + "…")}\" is not 64 lower-case hex digits");
}
