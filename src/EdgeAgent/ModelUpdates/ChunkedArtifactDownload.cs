using Microsoft.Extensions.Logging;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Downloads an artifact chunk by chunk from an <see cref="IArtifactSource"/>: each chunk is checked against the SHA-256
/// the signed manifest lists as soon as it arrives and kept on disk (<see cref="PartialModelDownload"/>), so a download
/// cut by a dropped link or a restart goes on from the chunks it has. At most <see cref="ChunksInFlight"/> chunks are
/// requested at once and, with a <see cref="BytesPerSecond"/> limit, a chunk is requested only once the bytes asked for
/// before it fit the budget: a source delivers only what was asked for, so the device's link keeps room for its telemetry.
/// </summary>
internal sealed class ChunkedArtifactDownload(IArtifactSource source, TimeProvider time, ILogger logger)
{
    public int ChunksInFlight { get; init; } = 2;

    /// <summary>0 requests chunks as fast as they come.</summary>
    public double BytesPerSecond { get; init; }

    public TimeSpan ChunkTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Called with each chunk index fetched from the source and verified (not those restored from disk).</summary>
    public Action<int>? ChunkFetched { get; init; }

    /// <summary>
    /// The whole artifact, or the reason it is refused (a chunk that does not match its hash, named). Throws
    /// <see cref="TimeoutException"/> when a chunk does not come in time; the verified chunks stay on disk for the next try.
    /// </summary>
    public async Task<(byte[]? Artifact, string? Refusal)> RunAsync(ModelManifest manifest, string dataFolder, CancellationToken cancellationToken)
    {
        if (manifest.Chunks is not { } chunks)
        {
            return (null, "its manifest lists no chunks (a single-message artifact from an older trainer, no longer fetched; the trainer announces it again in chunks at start)");
        }

        using var download = PartialModelDownload.Open(dataFolder, manifest, chunks);
        var artifact = new byte[manifest.SizeBytes];
        var restored = await download.RestoreAsync(artifact, cancellationToken);
        if (restored.Count > 0)
        {
            logger.LogInformation("model v{Version}: resuming the download with {Restored} of {Count} chunks already on disk", manifest.Version, restored.Count, chunks.Count);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inFlight = new List<Task<string?>>(ChunksInFlight);
        var started = time.GetTimestamp();
        long bytesRequested = 0;
        string? refusal = null;
        try
        {
            foreach (var index in Enumerable.Range(0, chunks.Count).Where(i => !restored.Contains(i)))
            {
                if (inFlight.Count == ChunksInFlight && (refusal = await NextDoneAsync(inFlight)) is not null)
                {
                    break;
                }

                if (BytesPerSecond > 0)
                {
                    var due = TimeSpan.FromSeconds(bytesRequested / BytesPerSecond) - time.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, time, stop.Token);
                    }
                }

                bytesRequested += chunks.Range(manifest.SizeBytes, index).Length;
                inFlight.Add(FetchAsync(manifest, chunks, index, artifact, download, stop.Token));
            }

            while (refusal is null && inFlight.Count > 0)
            {
                refusal = await NextDoneAsync(inFlight);
            }
        }
        finally
        {
            // A refusal or failure ends the chunks still on their way; their own outcome no longer matters.
            await stop.CancelAsync();
            await ((Task)Task.WhenAll(inFlight)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (refusal is not null)
        {
            download.Delete();
            return (null, refusal);
        }

        return (artifact, null);
    }

    private static async Task<string?> NextDoneAsync(List<Task<string?>> inFlight)
    {
        var done = await Task.WhenAny(inFlight);
        inFlight.Remove(done);
        return await done;
    }

    private async Task<string?> FetchAsync(ModelManifest manifest, ArtifactChunks chunks, int index, byte[] artifact, PartialModelDownload download, CancellationToken cancellationToken)
    {
        var bytes = await source.FetchChunkAsync(manifest, index, ChunkTimeout, cancellationToken);
        var (start, length) = chunks.Range(manifest.SizeBytes, index);
        if (bytes.Length != length)
        {
            return $"chunk {index} of {chunks.Count} is {bytes.Length} bytes; the manifest says {length} (truncated or padded)";
        }

        // Checked where it landed, not as received: every byte of the artifact returned has then been hashed in place
        // against the signed chunk list, restored chunks included, so a misplaced copy could not pass either.
        var placed = artifact.AsMemory((int)start, length);
        bytes.CopyTo(placed);
        var sha256 = ArtifactChunks.Sha256Hex(placed.Span);
        if (sha256 != chunks.Sha256[index])
        {
            return $"chunk {index} of {chunks.Count} has SHA-256 {sha256[..16]}…; the manifest says {chunks.Sha256[index][..16]}… (corrupted or substituted)";
        }

        await download.SaveAsync(index, placed, cancellationToken);
        ChunkFetched?.Invoke(index);
        return null;
    }
}
