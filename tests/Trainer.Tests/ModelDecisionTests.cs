using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Tests;

/// <summary>The registry's decision log: which version devices are to run, in what order, and why.</summary>
public sealed class ModelDecisionTests : IDisposable
{
    private const string Task = LearningTasks.Swing;
    private const long Noon = 1_780_000_000_000_000;

    private readonly string _folder = Directory.CreateTempSubdirectory("decisions-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Rollback_MakesTheOlderVersionCurrent_AndANewerBlessedVersionTakesOverAgain()
    {
        var registry = Stored(3);
        registry.Decide(Task, 3, ModelDecision.Publish, Noon);

        var rollback = registry.Decide(Task, 2, ModelDecision.Rollback, Noon + 10, "v3 misreads slices");

        Assert.Equal(2, registry.Current(Task)!.Version);
        Assert.Null(registry.Undecided(Task));
        Assert.Equal(3, rollback.Ceiling);
        Assert.Equal("v3 misreads slices", registry.Decisions(Task)[^1].Reason);

        registry.Store(Manifest(4), Artifact(4));
        Assert.Equal(4, registry.Undecided(Task)!.Version);
        Assert.Equal(4, registry.Current(Task)!.Version);
    }

    [Fact]
    public void Sequences_RiseWithEveryDecision_EvenWhenTheClockGoesBack()
    {
        var registry = Stored(2);
        var first = registry.Decide(Task, 1, ModelDecision.Publish, Noon);
        var second = registry.Decide(Task, 2, ModelDecision.Publish, Noon - 5_000_000);
        var third = registry.Decide(Task, 1, ModelDecision.Rollback, Noon + 60_000_000);

        Assert.Equal(Noon, first.Sequence);
        Assert.Equal(Noon + 1, second.Sequence);
        Assert.Equal(Noon + 60_000_000, third.Sequence);
        Assert.Equal([first, second, third], new ModelRegistry(_folder).Decisions(Task));
    }

    [Fact]
    public void WithoutDecisions_TheNewestWholeVersionIsCurrent_AndUndecided()
    {
        var registry = Stored(2);

        Assert.Equal(2, registry.Current(Task)!.Version);
        Assert.Equal(2, registry.Undecided(Task)!.Version);
        Assert.Empty(registry.Decisions(Task));
    }

    [Fact]
    public void ADecidedVersionThatIsDamaged_IsPassedOver_ForTheDecisionBeforeIt()
    {
        var registry = Stored(3);
        registry.Decide(Task, 2, ModelDecision.Publish, Noon);
        registry.Decide(Task, 3, ModelDecision.Publish, Noon + 1);
        File.WriteAllBytes(Path.Combine(registry.TaskFolder(Task), "v3", "model.bin"), [9, 9, 9]);

        Assert.Equal(2, registry.Current(Task)!.Version);
    }

    [Fact]
    public void ADecisionForAVersionThatIsNotWhole_IsRefusedNamingWhy()
    {
        var registry = Stored(1);

        var missing = Assert.Throws<InvalidOperationException>(() => registry.Decide(Task, 7, ModelDecision.Promote, Noon));
        Assert.Contains("holds no swing v7", missing.Message);
        Assert.Empty(registry.Decisions(Task));
    }

    [Fact]
    public void ATornLastLine_IsSkipped_AndTheNextDecisionStartsOnALineOfItsOwn()
    {
        var registry = Stored(2);
        registry.Decide(Task, 1, ModelDecision.Publish, Noon);
        var log = Path.Combine(registry.TaskFolder(Task), "decisions.jsonl");
        File.AppendAllText(log, "{\"sequence\":17800000000");

        var next = registry.Decide(Task, 2, ModelDecision.Publish, Noon + 1);

        Assert.Equal([1, 2], registry.Decisions(Task).Select(d => d.Version));
        Assert.Equal(Noon + 1, next.Sequence);
        Assert.Equal(3, File.ReadAllLines(log).Length);
    }

    [Fact]
    public void TwoProcessesDecidingAtOnce_EachDecisionGetsItsOwnHigherSequence()
    {
        var registry = Stored(2);
        var decided = new System.Collections.Concurrent.ConcurrentBag<long>();

        Parallel.For(0, 40, i => decided.Add(new ModelRegistry(_folder).Decide(Task, 1 + (i % 2), ModelDecision.Promote, Noon).Sequence));

        var log = registry.Decisions(Task).Select(d => d.Sequence).ToList();
        Assert.Equal(40, log.Count);
        Assert.Equal(decided.Order(), log);
        Assert.Equal(log.Distinct().Count(), log.Count);
    }

    private ModelRegistry Stored(int versions)
    {
        var registry = new ModelRegistry(_folder);
        for (var version = 1; version <= versions; version++)
        {
            registry.Store(Manifest(version), Artifact(version));
        }

        return registry;
    }

    private static byte[] Artifact(int version) => [(byte)version, 2, 3];

    private static ModelManifest Manifest(int version) =>
        new(Task, version, "swing-cnn", Noon + version, Topics.ModelArtifact(Task, version), 3, ModelArtifacts.Sha256Hex(Artifact(version)), [8, 512], ["a:x", "b:y"],
            new ModelMetrics(0.5, 0.5, 5), "pipelined");
}
