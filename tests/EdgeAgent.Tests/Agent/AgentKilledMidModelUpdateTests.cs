using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation.Golf;
using Pipeline.EdgeAgent.Tests.Outbox;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>
/// The real agent executable against mosquitto, streaming all along, SIGKILLed at each step of a model update and
/// started again on the same data folder every time: one device, one stream and one last good model through five runs.
/// </summary>
public sealed partial class AgentKilledMidModelUpdateTests(MosquittoBrokerFixture broker, ITestOutputHelper output)
    : IClassFixture<MosquittoBrokerFixture>, IDisposable
{
    private const string Device = "club-killed";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Where each kill lands: waiting for an artifact whose chunks are announced before they were published; as soon as the artifact has
    /// arrived (it is being verified, loaded and smoke-checked); as soon as the new last good model's first temporary
    /// file appears (it is being saved); and once the agent says it runs the new model.
    /// </summary>
    private static readonly string[] KillPoints = ["download", "verification", "save", "swap"];

    private readonly TemporaryFolder _folder = new("agent-killed");
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning);

    private string DataFolder => _folder.Combine(Device);

    [Fact]
    [Trait("Category", "Faults")]
    public async Task AgentKilledAtEachStepOfAModelUpdate_ComesBackWithAWholeModel_RunsTheNewOne_AndLosesNoSample()
    {
        await using var recorder = await TopicRecorder.StartPersistentAsync(broker.Broker.ToOptions(), _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, Device), Topics.Labels(Topics.DefaultSite, Device), Topics.Status(Topics.DefaultSite, Device));
        var received = new ReceivedStream(recorder, Device);
        var recorded = new RecordedStream(Device);
        var store = new LastGoodModelStore(DataFolder);
        var version = 1;
        var (first, firstArtifact) = BuildModel(LearningTasks.Swing, version, GolfClubSimulator.ClassNames);
        await store.SaveAsync(TestModelKeys.Sign(first), firstArtifact, CancellationToken.None);

        var outcomes = new List<string>();
        foreach (var point in KillPoints)
        {
            var (agent, since, _) = await StartAgentAsync(recorded);
            using (agent)
            {
                await WaitUntilRunningAsync(agent, recorder, since, version);
                var streamed = received.RawBatchCount;
                await Eventually.TrueAsync(() => agent.HasExited || received.RawBatchCount >= streamed + 20, Patience, () => $"the agent streams:\n{agent.RecentLog}");

                version++;
                var (manifest, artifact) = BuildModel(LearningTasks.Swing, version, GolfClubSimulator.ClassNames);
                await KillDuringUpdateAsync(point, agent, recorder, manifest, artifact);
                Assert.True(agent.HasExited);
            }

            var (stored, storedArtifact, error) = await store.LoadAsync(CancellationToken.None);
            Assert.True(stored is not null && storedArtifact is not null, $"killed at the {point} of v{version}, the last good model does not load: {error}");
            Assert.True(stored.Version == version - 1 || stored.Version == version, $"killed at the {point} of v{version}, v{stored.Version} is stored");
            Assert.Equal(stored.Sha256, ModelArtifacts.Sha256Hex(storedArtifact));
            var files = string.Join(", ", Directory.EnumerateFiles(DataFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            outcomes.Add($"killed at the {point} of v{version}: v{stored.Version} loads ({files})");
        }

        // The last run streams one session more and stops streaming: once that session's label (the last message in
        // the outbox) arrives, everything before it has too.
        var (last, lastSince, lastSession) = await StartAgentAsync(recorded, "--Agent:MaxSessions", "1");
        using (last)
        {
            await WaitUntilRunningAsync(last, recorder, lastSince, version);
            await Eventually.TrueAsync(() => last.HasExited || received.Labels().Any(l => ReceivedStream.SessionNumberOf(l) == lastSession), Patience,
                $"the last run's session arrives:\n{last.RecentLog}");
            Assert.False(last.HasExited, last.RecentLog);
            await last.KillAsync();
        }

        StreamCheckpoint end;
        using (var outbox = DiskOutbox.Open(Path.Combine(DataFolder, "outbox"), new EdgeAgentOptions().OutboxMaxBytes, NullLogger.Instance))
        {
            end = outbox.Checkpoint!.Value;
        }

        outcomes.ForEach(output.WriteLine);
        recorded.Account($"an agent SIGKILLed at each step of a model update ({string.Join(", ", KillPoints)})", received, end).AssertNothingLostOrDuplicated(output.WriteLine);
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

    /// <summary>Starts the agent executable and waits until it streams; returns it, when it started (µs) and the session it streams first.</summary>
    private async Task<(ComponentProcess Agent, long StartedMicros, long FirstSession)> StartAgentAsync(RecordedStream recorded, params string[] extra)
    {
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        var agent = ComponentProcess.Start(typeof(EdgeAgentWorker).Assembly,
        [
            "--broker", $"{broker.Broker.Host}:{broker.Broker.Port}",
            "--Agent:DeviceId", Device,
            "--Agent:Kind", DeviceKinds.Golf,
            "--Agent:TrustedModelKeysFolder", TestModelKeys.TrustedFolder,
            "--Agent:DataFolder", DataFolder,
            "--Agent:SpeedFactor", "10",
            "--Agent:Seed", "3",
            .. extra,
        ]);
        try
        {
            await Eventually.TrueAsync(() => agent.HasExited || StreamStart().IsMatch(agent.RecentLog), Patience, "the agent starts streaming");
            Assert.False(agent.HasExited, $"the agent exited:\n{agent.RecentLog}");
            var match = StreamStart().Match(agent.RecentLog);
            recorded.RunStarted(ulong.Parse(match.Groups["sequence"].Value, CultureInfo.InvariantCulture));
            return (agent, started, long.Parse(match.Groups["session"].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the agent, started at <paramref name="since"/>, reports running <paramref name="version"/>: loaded from disk or fetched again.</summary>
    private static async Task WaitUntilRunningAsync(ComponentProcess agent, TopicRecorder recorder, long since, int version)
    {
        await Eventually.TrueAsync(
            () => agent.HasExited || Statuses(recorder, Device).Any(s => s.TimestampMicros >= since && s.State == DeviceState.Online && s.ModelVersion == version),
            Patience,
            $"the agent runs model v{version}:\n{agent.RecentLog}");
        Assert.False(agent.HasExited, $"the agent exited:\n{agent.RecentLog}");
    }

    private async Task KillDuringUpdateAsync(string point, ComponentProcess agent, TopicRecorder recorder, ModelManifest manifest, byte[] artifact)
    {
        switch (point)
        {
            case "download":
                // The manifest alone: the agent subscribes to the first chunk's topic and waits for it. Published after the
                // kill, retained, the chunks are there for the next run.
                await KillOnLogLineAsync(agent, $"model v{manifest.Version} announced; downloading", () => PublishManifestAsync(recorder, manifest));
                await PublishChunksAsync(recorder, manifest, artifact);
                break;
            case "verification":
                await KillOnLogLineAsync(agent, $"fetched model v{manifest.Version}", () => AnnounceAsync(recorder, manifest, artifact));
                break;
            case "save":
                await KillOnFileCreatedAsync(agent, Path.GetFileName(new LastGoodModelStore(DataFolder).ArtifactPath(manifest.Version)) + ".tmp",
                    () => AnnounceAsync(recorder, manifest, artifact));
                break;
            case "swap":
                await KillOnLogLineAsync(agent, $"now running model v{manifest.Version}", () => AnnounceAsync(recorder, manifest, artifact));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(point), point, "no such kill point");
        }
    }

    /// <summary>Does <paramref name="cause"/> and kills the agent the moment it writes <paramref name="line"/>, from the thread that reads it.</summary>
    private static async Task KillOnLogLineAsync(ComponentProcess agent, string line, Func<Task> cause)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void KillOnLine(string written)
        {
            if (written.Contains(line, StringComparison.Ordinal) && seen.TrySetResult())
            {
                _ = agent.KillAsync();
            }
        }

        agent.LineWritten += KillOnLine;
        try
        {
            await cause();
            await KilledAsync(agent, seen.Task, $"logging \"{line}\"");
        }
        finally
        {
            agent.LineWritten -= KillOnLine;
        }
    }

    /// <summary>Does <paramref name="cause"/> and kills the agent the moment it creates <paramref name="fileName"/> in its data folder (inotify tells at once).</summary>
    private async Task KillOnFileCreatedAsync(ComponentProcess agent, string fileName, Func<Task> cause)
    {
        var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(DataFolder, fileName);
        watcher.Created += (_, _) =>
        {
            if (created.TrySetResult())
            {
                _ = agent.KillAsync();
            }
        };
        watcher.EnableRaisingEvents = true;
        await cause();
        await KilledAsync(agent, created.Task, $"creating {fileName}");
    }

    /// <summary>Waits until the agent is dead, and fails unless it died for <paramref name="trigger"/> (marked before the kill).</summary>
    private static async Task KilledAsync(ComponentProcess agent, Task trigger, string what)
    {
        await Eventually.TrueAsync(() => agent.HasExited, Patience, () => $"the agent is killed on {what}:\n{agent.RecentLog}");
        Assert.True(trigger.IsCompleted, $"the agent exited before {what}:\n{agent.RecentLog}");
        await agent.KillAsync();
    }

    [GeneratedRegex(@"at sequence (?<sequence>\d+), session (?<session>\d+)\)")]
    private static partial Regex StreamStart();
}
