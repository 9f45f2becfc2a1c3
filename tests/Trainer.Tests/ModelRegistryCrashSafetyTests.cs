using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Tests;

/// <summary>
/// What a crash can leave in the registry, and what the next trainer makes of it. A kill inside <see cref="ModelRegistry.Store"/>
/// is reproduced by copying the registry's folder from within the store (a SIGKILL loses nothing the page cache holds,
/// so the copy is exactly what the next trainer would find).
/// </summary>
public sealed class ModelRegistryCrashSafetyTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("registry-crash");
    private readonly TemporaryFolder _crashed = new("registry-crashed");

    public void Dispose()
    {
        _folder.Dispose();
        _crashed.Dispose();
    }

    [Fact]
    public void Current_VersionFolderWithAnArtifactButNoManifest_IsSkippedWithAWarning()
    {
        var log = new RecordingLogger();
        var registry = new ModelRegistry(_folder.Path, log);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        // What the earlier registry left when killed between writing model.bin and its manifest.
        var unfinished = Directory.CreateDirectory(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2")).FullName;
        File.WriteAllBytes(Path.Combine(unfinished, "model.bin"), [4, 5]);

        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
        Assert.Contains(log.Messages, m => m.Contains("v2", StringComparison.Ordinal) && m.Contains("manifest.json is missing", StringComparison.Ordinal));
        Assert.Equal(3, registry.NextVersion(LearningTasks.Swing));
    }

    [Fact]
    public void Current_ArtifactShorterThanItsManifestSays_IsSkippedWithAWarning()
    {
        var log = new RecordingLogger();
        var registry = new ModelRegistry(_folder.Path, log);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        registry.Store(Manifest(2, [4, 5, 6]), [4, 5, 6]);
        File.WriteAllBytes(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2", "model.bin"), [4, 5]);

        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
        Assert.Contains(log.Messages, m => m.Contains("v2", StringComparison.Ordinal) && m.Contains("2 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void Current_ArtifactOfTheRightSizeButOtherBytes_IsSkippedWithAWarning()
    {
        var log = new RecordingLogger();
        var registry = new ModelRegistry(_folder.Path, log);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        registry.Store(Manifest(2, [4, 5, 6]), [4, 5, 6]);
        File.WriteAllBytes(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2", "model.bin"), [4, 5, 7]);

        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
        Assert.Contains(log.Messages, m => m.Contains("v2", StringComparison.Ordinal) && m.Contains("SHA-256", StringComparison.Ordinal));
    }

    [Fact]
    public void Current_NoVersionIsWhole_IsNull()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        File.Delete(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v1", "model.bin"));

        Assert.Null(registry.Current(LearningTasks.Swing));
        Assert.Equal(2, registry.NextVersion(LearningTasks.Swing));
    }

    [Fact]
    public void Store_KilledBeforeTheVersionAppears_LeavesNoVersionAndItsNumberIsNeverUsedAgain()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        registry.Store(Manifest(2, [4, 5, 6]), [4, 5, 6], _ => CopyDirectory(_folder.Path, _crashed.Path));

        var log = new RecordingLogger();
        var restarted = new ModelRegistry(_crashed.Path, log);
        Assert.Equal(1, restarted.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(3, restarted.NextVersion(LearningTasks.Swing));

        Assert.Equal(1, restarted.ClearInterrupted(LearningTasks.Swing));
        Assert.Contains(log.Messages, m => m.Contains("v2", StringComparison.Ordinal) && m.Contains("interrupted", StringComparison.Ordinal));
        Assert.Equal(3, restarted.NextVersion(LearningTasks.Swing));
        Assert.Throws<InvalidOperationException>(() => restarted.Store(Manifest(2, [7, 8, 9]), [7, 8, 9]));

        restarted.Store(Manifest(3, [7, 8, 9]), [7, 8, 9]);
        Assert.Equal(3, restarted.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(4, restarted.NextVersion(LearningTasks.Swing));
        Assert.Equal(["v1", "v3"], Directory.EnumerateDirectories(restarted.TaskFolder(LearningTasks.Swing)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ClearInterrupted_SecondStart_HasNothingLeftToClear()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3], _ => CopyDirectory(_folder.Path, _crashed.Path));
        var restarted = new ModelRegistry(_crashed.Path);

        Assert.Equal(1, restarted.ClearInterrupted(LearningTasks.Swing));
        Assert.Equal(0, restarted.ClearInterrupted(LearningTasks.Swing));
        Assert.Null(restarted.Current(LearningTasks.Swing));
        Assert.Equal(2, restarted.NextVersion(LearningTasks.Swing));
    }

    [Fact]
    public void Store_FilesWrittenAlongside_AppearWithTheVersionAndNotBefore()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        int? currentWhileWriting = null;

        registry.Store(Manifest(2, [4, 5, 6]), [4, 5, 6], folder =>
        {
            currentWhileWriting = registry.Current(LearningTasks.Swing)?.Version;
            File.WriteAllText(Path.Combine(folder, "metrics.json"), "{}");
        });

        Assert.Equal(1, currentWhileWriting);
        Assert.True(File.Exists(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2", "metrics.json")));
        Assert.Equal(2, registry.Current(LearningTasks.Swing)!.Version);
    }

    [Fact]
    public void Store_FailingMidway_LeavesNoVersionAndKeepsItsNumberTaken()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);

        Assert.Throws<IOException>(() => registry.Store(Manifest(2, [4, 5, 6]), [4, 5, 6], _ => throw new IOException("No space left on device")));

        Assert.Equal(1, registry.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(3, registry.NextVersion(LearningTasks.Swing));
        Assert.False(Directory.Exists(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "v2")));
    }

    [Fact]
    public void Store_VersionAlreadyStored_IsRefusedAndTheStoredArtifactStays()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);

        Assert.Throws<InvalidOperationException>(() => registry.Store(Manifest(1, [4, 5, 6]), [4, 5, 6]));

        var current = registry.Current(LearningTasks.Swing)!;
        Assert.Equal([1, 2, 3], registry.ReadArtifact(current));
    }

    [Fact]
    public void Reject_KilledBeforeTheCandidateAppears_LeavesNothingAfterTheNextStart()
    {
        var registry = new ModelRegistry(_folder.Path);
        registry.Store(Manifest(1, [1, 2, 3]), [1, 2, 3]);
        registry.Reject(LearningTasks.Swing, 1, 1_700_000_000_000_002, [4, 5, 6], _ => CopyDirectory(_folder.Path, _crashed.Path));
        Assert.Single(Directory.EnumerateDirectories(Path.Combine(registry.TaskFolder(LearningTasks.Swing), "rejected")));

        var restarted = new ModelRegistry(_crashed.Path);
        Assert.Equal(1, restarted.ClearInterrupted(LearningTasks.Swing));

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(restarted.TaskFolder(LearningTasks.Swing), "rejected")));
        Assert.Equal(1, restarted.Current(LearningTasks.Swing)!.Version);
        Assert.Equal(2, restarted.NextVersion(LearningTasks.Swing));
    }

    private static ModelManifest Manifest(int version, byte[] artifact) =>
        new(LearningTasks.Swing, version, "swing-cnn", 1_700_000_000_000_000 + version, Topics.ModelArtifact(LearningTasks.Swing, version),
            artifact.Length, ModelArtifacts.Sha256Hex(artifact), [8, 512], ["a:x", "b:y"], new ModelMetrics(0.8, 0.8, 5, null), "pipelined");

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var folder in Directory.EnumerateDirectories(from))
        {
            CopyDirectory(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }
}
