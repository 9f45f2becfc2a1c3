using System.Security.Cryptography;

namespace Pipeline.Protocol;

/// <summary>
/// How a model artifact travels: cut into chunks of <see cref="ChunkBytes"/> (the last one shorter), each retained at
/// <see cref="Topics.ModelArtifactChunk"/> and listed here by its SHA-256 in order. Part of the signed manifest, so a
/// device can refuse a bad chunk as soon as it arrives, and nobody can alter the list without breaking the signature.
/// </summary>
public sealed record ArtifactChunks(int ChunkBytes, string[] Sha256)
{
    /// <summary>The least chunk size: smaller chunks would cost more in topics and hashes than they carry.</summary>
    public const int MinChunkBytes = 4 * 1024;

    /// <summary>The largest chunk size, well under the 64 MiB packet limit of our brokers.</summary>
    public const int MaxChunkBytes = 16 * 1024 * 1024;

    /// <summary>At most this many chunks, so the list (67 bytes a chunk) keeps a manifest far below its 64 KiB limit.</summary>
    public const int MaxChunks = 512;

    public const int DefaultChunkBytes = 256 * 1024;

    public int Count => Sha256.Length;

    /// <summary>How many chunks an artifact of <paramref name="sizeBytes"/> needs at <paramref name="chunkBytes"/> each.</summary>
    public static long CountFor(long sizeBytes, int chunkBytes) => (sizeBytes + chunkBytes - 1) / chunkBytes;

    /// <summary>
    /// The chunk size to use for an artifact of <paramref name="sizeBytes"/>: <paramref name="preferredChunkBytes"/>, or
    /// larger when that would make more than <see cref="MaxChunks"/> chunks (a 512 MiB artifact travels in 1 MiB chunks).
    /// </summary>
    public static int ChunkBytesFor(long sizeBytes, int preferredChunkBytes)
    {
        var least = (int)Math.Min(MaxChunkBytes, (sizeBytes + MaxChunks - 1) / MaxChunks);
        return Math.Clamp(Math.Max(preferredChunkBytes, least), MinChunkBytes, MaxChunkBytes);
    }

    /// <summary>The chunk list of <paramref name="artifact"/>, cut at <see cref="ChunkBytesFor"/>.</summary>
    public static ArtifactChunks Of(ReadOnlySpan<byte> artifact, int preferredChunkBytes)
    {
        var chunkBytes = ChunkBytesFor(artifact.Length, preferredChunkBytes);
        var hashes = new string[CountFor(artifact.Length, chunkBytes)];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = Sha256Hex(Slice(artifact, chunkBytes, i));
        }

        return new ArtifactChunks(chunkBytes, hashes);
    }

    /// <summary>Chunk <paramref name="index"/> of <paramref name="artifact"/>.</summary>
    public ReadOnlyMemory<byte> Chunk(ReadOnlyMemory<byte> artifact, int index)
    {
        var (start, length) = Range(artifact.Length, index);
        return artifact.Slice((int)start, length);
    }

    /// <summary>Where chunk <paramref name="index"/> starts in an artifact of <paramref name="sizeBytes"/>, and how long it is.</summary>
    public (long Start, int Length) Range(long sizeBytes, int index)
    {
        var start = (long)index * ChunkBytes;
        return (start, (int)Math.Min(ChunkBytes, sizeBytes - start));
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> artifact, int chunkBytes, int index)
    {
        var start = index * chunkBytes;
        return artifact.Slice(start, Math.Min(chunkBytes, artifact.Length - start));
    }
}
