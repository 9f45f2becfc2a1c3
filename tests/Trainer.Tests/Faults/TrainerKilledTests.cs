using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Pipeline.Protocol;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Service;
using Xunit.Abstractions;

namespace Pipeline.Trainer.Tests.Faults;

/// <summary>
/// The real trainer executable against mosquitto (which keeps retained messages) and an embedded store of labelled
/// swings, SIGKILLed mid-round and while a version is being stored or published, then started again on the same data
/// folder. Each test has its own broker, so the retained models it reads are its own.
/// </summary>
public sealed partial class TrainerKilledTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private static readonly string Swing = LearningTasks.Swing;
    private readonly TemporaryFolder _data = new("trainer-killed");
    private readonly string _clientId = $"trainer-{Guid.NewGuid():N}";
    private readonly VersionLedger _ledger = new();

    private enum KillPoint
    {
        /// <summary>An entry appears in the task's registry folder: a version (or a rejected candidate) is being stored.</summary>
        StoreBegins,

        /// <summary>
        /// The version is in place and its artifact has begun to reach the broker, whose process is paused from the moment
        /// the store begins: the trainer waits for the artifact's acknowledgement, so its manifest cannot have been sent.
        /// Whether the broker, running again, keeps an artifact whose sender was killed mid-packet is up to it.
        /// </summary>
        ArtifactInFlight,

        /// <summary>A version's artifact reaches a subscriber; its manifest follows within moments.</summary>
        ArtifactRetained,
    }

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task TrainerKilledMidRound_AndRestarted_ResumesFromItsCheckpointAndStoresOneWholeVersion()
    {
        const int Epochs = 100;
        await using var broker = await MosquittoBroker.StartAsync();
        await WriteLabelledSwingsAsync();
        await using var models = await ModelTopicRecorder.StartAsync(broker, Swing, Logger("models"));
        var clock = Stopwatch.StartNew();

        using (var first = StartTrainer(broker, Epochs))
        {
            await Eventually.TrueAsync(() => first.HasExited || File.Exists(CheckpointPath), Patience, () => $"the first trainer writes a checkpoint:\n{first.RecentLog}");
            Assert.False(first.HasExited, $"the first trainer exited before its first checkpoint:\n{first.RecentLog}");
            await first.KillAsync();
        }

        var epochsDone = CheckpointFile.Read(CheckpointPath).Header.EpochsDone;
        output.WriteLine($"killed after {clock.Elapsed.TotalSeconds:F1} s with {epochsDone} of {Epochs} epochs in the checkpoint");
        Assert.InRange(epochsDone, 1, Epochs - 1);
        Assert.Empty(RegistryOnDisk.WholeVersions(TaskFolder));

        string log;
        using (var second = StartTrainer(broker, Epochs))
        {
            await Eventually.TrueAsync(() => second.HasExited, Patience, () => $"the restarted trainer finishes its round:\n{second.RecentLog}");
            log = second.RecentLog;
        }

        output.WriteLine($"restarted trainer done after {clock.Elapsed.TotalSeconds:F1} s in all");
        Assert.Contains($"{epochsDone} of the epochs done", ResumedLine(log));
        // The whole log in the message: xunit would show only the start of it, and the round's outcome is at the end.
        Assert.True(log.Contains("blessed as v1", StringComparison.Ordinal), $"the restarted trainer blessed no v1:\n{log}");
        Assert.Contains("trainer finished 1 rounds", log, StringComparison.Ordinal);
        Assert.False(File.Exists(CheckpointPath), "the finished round's checkpoint is deleted");
        var versions = RegistryOnDisk.WholeVersions(TaskFolder);
        Assert.Equal([1], versions.Keys);
        Assert.Empty(RegistryOnDisk.StagedWithFiles(TaskFolder));
        await AssertBrokerAnnouncesAsync(broker, versions[1], models);
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task TrainerKilledWhileStoringAndWhilePublishing_AndRestarted_NeverGivesAVersionNumberToTwoModels()
    {
        const int Epochs = 6;
        await using var broker = await MosquittoBroker.StartAsync();
        await WriteLabelledSwingsAsync();
        Directory.CreateDirectory(TaskFolder);
        await using var models = await ModelTopicRecorder.StartAsync(broker, Swing, Logger("models"));
        var clock = Stopwatch.StartNew();
        output.WriteLine("kill point        | s    | registry after the kill                         | manifests seen on the broker");

        var interruptedStores = 0;
        foreach (var point in (KillPoint[])[KillPoint.StoreBegins, KillPoint.ArtifactInFlight, KillPoint.ArtifactRetained, KillPoint.StoreBegins])
        {
            await KillAtAsync(point, broker, models, Epochs);
            interruptedStores += RegistryOnDisk.StagedWithFiles(TaskFolder).Count;
            output.WriteLine($"{point,-17} | {clock.Elapsed.TotalSeconds,4:F0} | {RegistryOnDisk.Describe(TaskFolder),-47} | "
                + string.Join(", ", models.Manifests.Select(m => $"v{m.Version}")));
            foreach (var stored in RegistryOnDisk.WholeVersions(TaskFolder).Values)
            {
                _ledger.SawManifest(stored, $"registry after {point}");
            }
        }

        string log;
        using (var last = StartTrainer(broker, Epochs))
        {
            await Eventually.TrueAsync(() => last.HasExited, Patience, () => $"the last trainer finishes its round:\n{last.RecentLog}");
            log = last.RecentLog;
        }

        output.WriteLine($"{"finished",-17} | {clock.Elapsed.TotalSeconds,4:F0} | {RegistryOnDisk.Describe(TaskFolder),-47} | "
            + string.Join(", ", models.Manifests.Select(m => $"v{m.Version}")));
        output.WriteLine($"artifacts seen on the broker: {string.Join(", ", models.Artifacts.Select(a => $"v{a.Version}"))}");
        Assert.Contains("trainer finished 1 rounds", log, StringComparison.Ordinal);
        Assert.True(interruptedStores > 0, "at least one kill landed inside a store (a store takes a few hundred milliseconds: the version's report is drawn into it)");
        var versions = RegistryOnDisk.WholeVersions(TaskFolder);
        Assert.NotEmpty(versions);
        Assert.Empty(RegistryOnDisk.StagedWithFiles(TaskFolder));
        foreach (var stored in versions.Values)
        {
            _ledger.SawManifest(stored, "registry at the end");
        }

        await AssertBrokerAnnouncesAsync(broker, versions[versions.Keys.Max()], models);
    }

    /// <summary>Runs a trainer on the test's data folder and SIGKILLs it at <paramref name="point"/>.</summary>
    private async Task KillAtAsync(KillPoint point, MosquittoBroker broker, ModelTopicRecorder models, int epochs)
    {
        var before = RegistryOnDisk.WholeVersions(TaskFolder);
        using var trainer = StartTrainer(broker, epochs, rounds: 0);

        // Lazy: the first trigger acts, from the thread that noticed; the test awaits what it started afterwards.
        var kill = new Lazy<Task>(trainer.KillAsync);
        var pause = new Lazy<Task>(broker.PauseAsync);
        void OnStoreBegins(object sender, FileSystemEventArgs e) => _ = point == KillPoint.StoreBegins ? kill.Value : pause.Value;
        void OnArtifact(int version)
        {
            // The trainer announces its current version again at start; only a version this run stores counts.
            if (!before.ContainsKey(version))
            {
                _ = kill.Value;
            }
        }

        using (var watcher = new FileSystemWatcher(TaskFolder) { NotifyFilter = NotifyFilters.DirectoryName })
        {
            watcher.Created += OnStoreBegins;
            watcher.EnableRaisingEvents = point != KillPoint.ArtifactRetained;
            if (point == KillPoint.ArtifactRetained)
            {
                models.ArtifactArrived += OnArtifact;
            }

            try
            {
                await Eventually.TrueAsync(() => kill.IsValueCreated || pause.IsValueCreated || trainer.HasExited, Patience, () => $"the trainer reaches {point}:\n{trainer.RecentLog}");
            }
            finally
            {
                models.ArtifactArrived -= OnArtifact;
            }
        }

        Assert.False(trainer.HasExited && !kill.IsValueCreated, $"the trainer exited on its own before {point}:\n{trainer.RecentLog}");
        if (point == KillPoint.ArtifactInFlight)
        {
            await pause.Value;
            try
            {
                // The store may finish before the pause lands (on a busy machine it does); what matters is that the announcement does not.
                Assert.DoesNotContain(models.Manifests, m => !before.ContainsKey(m.Version));
                await Eventually.TrueAsync(() => trainer.HasExited
                        || (RegistryOnDisk.WholeVersions(TaskFolder).Count > before.Count && UnreadBytes.At(broker.Port) > 0),
                    Patience, $"the trainer stores the version and starts sending its artifact to the paused broker:\n{trainer.RecentLog}");
                Assert.False(trainer.HasExited, $"the trainer exited on its own:\n{trainer.RecentLog}");
                await kill.Value;
            }
            finally
            {
                await broker.ResumeAsync();
            }
        }

        await kill.Value;
    }

    private string TaskFolder => _data.Combine("models", Swing);

    private string CheckpointPath => _data.Combine("checkpoints", $"{Swing}.checkpoint");

    /// <summary>
    /// A trainer on the test's data; with <paramref name="rounds"/> 0 it trains until killed, so a kill point that comes
    /// as it publishes cannot be outrun by the trainer finishing and exiting.
    /// </summary>
    private ComponentProcess StartTrainer(MosquittoBroker broker, int epochs, int rounds = 1) =>
        ComponentProcess.Start(typeof(TrainerService).Assembly,
        [
            "--broker", $"{broker.Host}:{broker.Port}",
            "--Trainer:DataFolder", _data.Path,
            "--Trainer:ClientId", _clientId,
            "--Trainer:Tasks:0", Swing,
            "--Trainer:Rounds", rounds.ToString(CultureInfo.InvariantCulture),
            // Every round must publish for the kill points to be reached; whether a resumed candidate beats the last
            // stored one is beside the point here.
            "--Trainer:BlessingMinimumMargin", "-100",
            "--Trainer:Epochs", epochs.ToString(CultureInfo.InvariantCulture),
            "--Trainer:BatchSize", "16",
            "--Trainer:MinExamplesPerClass", "4",
            "--Trainer:HeldOutFraction", "0.25",
        ]);

    private async Task WriteLabelledSwingsAsync()
    {
        await using var store = EmbeddedTelemetryStore.Open(_data.Combine("store"));
        await LabelledSwingSessions.WriteAsync(store, sessionsPerClass: 12);
    }

    /// <summary>
    /// What the broker retains for the task, read by a subscriber that joins now: the manifest of the registry's newest
    /// version, and that version's artifact with the manifest's size and SHA-256. Every manifest and artifact seen on the
    /// broker, live and retained, joins the ledger, which must find no version number naming two models.
    /// </summary>
    private async Task AssertBrokerAnnouncesAsync(MosquittoBroker broker, ModelManifest newest, ModelTopicRecorder live)
    {
        await using var joiner = await ModelTopicRecorder.StartAsync(broker, Swing, Logger("joiner"));
        await Eventually.TrueAsync(() => joiner.Manifests.Count > 0 && joiner.Artifacts.Any(a => a.Version == joiner.Manifests[^1].Version), Patience,
            "the broker delivers the retained manifest and its artifact");
        var retained = joiner.Manifests[^1];
        Assert.Equal((newest.Version, newest.CreatedMicros, newest.Sha256), (retained.Version, retained.CreatedMicros, retained.Sha256));
        var artifact = joiner.Artifacts.Last(a => a.Version == retained.Version);
        Assert.Equal((retained.Sha256, retained.SizeBytes), (artifact.Sha256, (long)artifact.Size));

        Assert.Empty(live.Refused);
        Assert.Empty(joiner.Refused);
        foreach (var (recorder, where) in new[] { (live, "broker, live"), (joiner, "broker, retained") })
        {
            foreach (var manifest in recorder.Manifests)
            {
                _ledger.SawManifest(manifest, where);
            }

            foreach (var (version, sha256, _) in recorder.Artifacts)
            {
                _ledger.SawArtifact(version, sha256, where);
            }
        }

        output.WriteLine($"{_ledger.Sightings} sightings of version numbers; the broker retains v{retained.Version}");
        Assert.Empty(_ledger.Conflicts());
    }

    private ILogger Logger(string name) => TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning).CreateLogger(name);

    private static string ResumedLine(string log) =>
        ResumedFromCheckpoint().Match(log) is { Success: true } match ? match.Value : throw new Xunit.Sdk.XunitException($"the restarted trainer did not resume from its checkpoint:\n{log}");

    [GeneratedRegex("resuming from checkpoint [^\n]*")]
    private static partial Regex ResumedFromCheckpoint();
}
