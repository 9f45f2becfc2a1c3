using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.ModelUpdates;

/// <summary>
/// Where a model's bytes come from, one chunk at a time (the chunks its manifest lists): the one transport seam of model
/// delivery. Checking, resuming, pacing and keeping chunks on disk happen above it (<see cref="ChunkedArtifactDownload"/>),
/// so an HTTP or object-store source only has to fetch a byte range.
/// </summary>
internal interface IArtifactSource
{
    /// <summary>The bytes offered as chunk <paramref name="index"/> of <paramref name="manifest"/>'s artifact, unchecked; a <see cref="TimeoutException"/> when none came within <paramref name="timeout"/>.</summary>
    Task<byte[]> FetchChunkAsync(ModelManifest manifest, int index, TimeSpan timeout, CancellationToken cancellationToken);
}
