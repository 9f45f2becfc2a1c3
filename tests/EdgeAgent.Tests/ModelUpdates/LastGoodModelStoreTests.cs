using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.Simulation.Golf;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;

namespace Pipeline.EdgeAgent.Tests.ModelUpdates;

public sealed class LastGoodModelStoreTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("last-good-model");

    /// <summary>
    /// A save that stops at any of its steps, as a crash or a full disk would stop it: a directory in the way of the step's
    /// file makes that step fail. What is left must be the previous model, whole, its artifact matching its manifest.
    /// </summary>
    [Theory]
    [InlineData("model-v2.bin.tmp")]
    [InlineData("model-v2.bin")]
    [InlineData(LastGoodModelStore.ManifestFile + ".tmp")]
    public async Task SaveStoppedAtAnyStep_LeavesThePreviousModelWhole(string blocked)
    {
        var store = new LastGoodModelStore(_folder.Path);
        var (first, firstArtifact) = Model(1);
        var (second, secondArtifact) = Model(2);
        await store.SaveAsync(first, firstArtifact, CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(_folder.Path, blocked, "in-the-way"));

        var failure = await Record.ExceptionAsync(() => store.SaveAsync(second, secondArtifact, CancellationToken.None));

        Assert.True(failure is IOException or UnauthorizedAccessException, $"the save did not stop at {blocked}: {failure}");
        await AssertStoredAsync(store, first);

        Directory.Delete(Path.Combine(_folder.Path, blocked), recursive: true);
        await store.SaveAsync(second, secondArtifact, CancellationToken.None);
        await AssertStoredAsync(store, second);
        Assert.Equal([LastGoodModelStore.ManifestFile, Path.GetFileName(store.ArtifactPath(2))], Directory.EnumerateFiles(_folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    public void Dispose() => _folder.Dispose();

    private static (ModelManifest Manifest, byte[] Artifact) Model(int version) => BuildModel(LearningTasks.Swing, version, GolfClubSimulator.ClassNames);

    private static async Task AssertStoredAsync(LastGoodModelStore store, ModelManifest expected)
    {
        var (manifest, artifact, error) = await store.LoadAsync(CancellationToken.None);
        Assert.True(manifest is not null && artifact is not null, error);
        Assert.Equal(expected.Version, manifest.Version);
        Assert.Equal(manifest.Sha256, ModelArtifacts.Sha256Hex(artifact));
    }
}
