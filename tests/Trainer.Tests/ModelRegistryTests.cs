using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Tests;

public sealed class ModelRegistryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("registry-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ModelManifest Manifest(int version, double accuracy, byte[]? artifact = null) =>
        new(LearningTasks.Swing, version, "swing-cnn", 1_700_000_000_000_000 + version, Topics.ModelArtifact(LearningTasks.Swing, version),
            artifact?.Length ?? 3, artifact is null ? new string('a', 64) : ModelArtifacts.Sha256Hex(artifact), [8, 512], ["a:x", "b:y"],
            new ModelMetrics(accuracy, accuracy, 5, null), "pipelined");

    [Fact]
    public void Store_TwoVersions_SurviveARestartAndNextVersionFollows()
    {
        new ModelRegistry(_folder).Store(Manifest(1, 0.6, [1, 2, 3]), [1, 2, 3]);
        new ModelRegistry(_folder).Store(Manifest(2, 0.7, [4, 5, 6]), [4, 5, 6]);
        var reopened = new ModelRegistry(_folder);
        Assert.Equal(2, reopened.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(3, reopened.NextVersion(LearningTasks.Swing));
        Assert.Equal([4, 5, 6], reopened.ReadArtifact(reopened.Current(LearningTasks.Swing)!));
    }

    [Fact]
    public void OnlyOneWriterAtATime_TheSecondIsRefusedNamingTheLock_UntilTheFirstLetsGo()
    {
        var first = new ModelRegistry(_folder).LockForWriting();

        var refused = Assert.Throws<InvalidOperationException>(() => new ModelRegistry(_folder).LockForWriting());
        Assert.Contains(".writer.lock", refused.Message);

        first.Dispose();
        new ModelRegistry(_folder).LockForWriting().Dispose();
    }

    [Fact]
    public void DeletingTheNewestVersions_NeverFreesTheirNumbers()
    {
        var registry = new ModelRegistry(_folder);
        registry.Store(Manifest(1, 0.6, [1]), [1]);
        registry.Store(Manifest(2, 0.7, [2]), [2]);
        registry.Store(Manifest(3, 0.8, [3]), [3]);

        Directory.Delete(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v3"), recursive: true);
        Directory.Delete(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2"), recursive: true);

        var reopened = new ModelRegistry(_folder);
        Assert.Equal(1, reopened.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(4, reopened.NextVersion(LearningTasks.Swing));
    }

    [Fact]
    public void Versions_ListsEveryVersionOldestFirst_WholeOnesWithTheirManifest_DamagedOnesWithTheProblem()
    {
        var registry = new ModelRegistry(_folder);
        registry.Store(Manifest(1, 0.6, [1]), [1]);
        registry.Store(Manifest(2, 0.7, [2]), [2]);
        registry.Reject(LearningTasks.Swing, 2, 1_700_000_000_000_003, [3]);
        File.WriteAllBytes(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2", "model.bin"), [9]);

        var versions = registry.Versions(LearningTasks.Swing);

        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(0.6, versions[0].Manifest!.Metrics.Accuracy);
        Assert.Null(versions[0].Problem);
        Assert.Null(versions[1].Manifest);
        Assert.Contains("SHA-256", versions[1].Problem);
        Assert.Equal(1, registry.RejectedCount(LearningTasks.Swing));
        Assert.Empty(registry.Versions(LearningTasks.Droplet));
    }

    [Fact]
    public void Current_NewestManifestCorrupt_FallsBackToPreviousVersion()
    {
        var registry = new ModelRegistry(_folder);
        registry.Store(Manifest(1, 0.6, [1]), [1]);
        registry.Store(Manifest(2, 0.7, [2]), [2]);
        File.WriteAllText(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2", "manifest.json"), "{not json");
        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
    }

    [Fact]
    public void Reject_Candidate_DoesNotBecomeCurrent_TakesNoNumber_AndHasNoManifestNamingAVersion()
    {
        var registry = new ModelRegistry(_folder);
        registry.Store(Manifest(1, 0.8, [1]), [1]);
        Assert.Equal("round-2-20231114T221320.000Z", registry.Reject(LearningTasks.Swing, 2, 1_700_000_000_000_002, [2]));
        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(2, registry.NextVersion(LearningTasks.Swing));
        var rejected = Path.Combine(registry.TaskFolder(LearningTasks.Swing), "rejected", "round-2-20231114T221320.000Z");
        Assert.Equal(["model.bin"], Directory.EnumerateFiles(rejected).Select(Path.GetFileName));
    }
}
