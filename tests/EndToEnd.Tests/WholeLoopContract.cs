using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pipeline.Protocol;
using Pipeline.Runner.Up;
using Pipeline.Storage;
using Pipeline.Storage.Predictions;
using Pipeline.Tasks;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>
/// The whole edge-to-cloud loop, as `pipeline up --rounds 1` runs it: devices stream, ingest stores, the
/// trainer trains with the pipelined schedule and publishes, every agent swaps the model in and predicts.
/// Each broker (embedded, mosquitto) and store (embedded, InfluxDB) runs the same assertions.
/// </summary>
public abstract class WholeLoopContract(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _data = new("pipeline-e2e");

    protected ITestOutputHelper Output => output;

    /// <summary>The run's data folder (identities live in its security/ folder).</summary>
    protected string DataFolder => _data.Path;

    /// <summary>The broker to use as host:port, or null for the embedded one.</summary>
    protected abstract Task<string?> BrokerAsync();

    /// <summary>Settings that choose the store; none means the embedded default.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> StoreSettings() => [];

    [Fact]
    public async Task OneRound_ClosesTheLoop_ForBothTasks_AndReportsIt()
    {
        var outcome = await RunAsync();

        Assert.True(outcome.Completed, outcome.Problem);
        var report = outcome.Report;
        // Every component connected as its own identity (the three observers included); the broker admitted nobody else.
        Assert.Equal(4 + Runner.Observing.ObserverIdentities.All.Count, Hosting.Access.IdentityStore.Open(LoopIdentities.Folder(DataFolder)).Load().Count);
        Assert.True(report.Ingested.MotionSamples > 0, "no motion samples were stored");
        Assert.True(report.Ingested.Frames > 0, "no frames were stored");
        Assert.Equal(0, report.Ingested.Quarantined);
        foreach (var task in TaskRegistry.BuiltIn.Names)
        {
            var model = Assert.Single(report.Models, m => m.Task == task);
            Assert.True(model.Version >= 1);
            var agent = Assert.Single(report.Agents, a => a.Task == task);
            Assert.Equal(model.Version, agent.ModelVersion);
            Assert.True(agent.Predictions > 0, $"{agent.Id} made no predictions");

            // Live accuracy is counted per version, beside that version's held-out accuracy; the round says what it trained and judged on.
            var live = Assert.Single(report.LiveAccuracy, l => l.Task == task && l.Version == model.Version);
            Assert.True(live.Predictions > 0 && live.Labelled > 0, $"{task} v{model.Version}: no labelled predictions counted");
            Assert.Equal(model.HeldOutAccuracy, live.HeldOutAccuracy);
            Assert.Equal(model.HeldOutExamples, live.HeldOutExamples);
            Assert.Equal((live.HeldOutAccuracy, live.HeldOutExamples), (live.LatestHeldOutAccuracy, live.LatestHeldOutExamples));
            var round = Assert.Single(report.Rounds, r => r.Task == task);
            Assert.Equal(RoundReport.Blessed, round.Outcome);
            Assert.True(round.TrainExamples > 0 && round.HeldOutExamples > 0, $"{task}: {round}");
            Assert.Equal(model.HeldOutExamples, round.HeldOutExamples);
            Assert.Equal(round.Accuracy, round.Blessing!.CandidateScore);

            // The rollout view: the current version reached the task's device (stopped by now, so it may show as offline) and nobody refused it.
            var rollout = Assert.Single(report.Rollouts, r => r.Task == task && r.Current);
            Assert.Equal(model.Version, rollout.Version);
            Assert.Contains(agent.Id, rollout.Running.Concat(rollout.Offline));
            Assert.Empty(rollout.Refused);
        }

        // Live accuracy is what the store holds: every prediction ingest stored, counted once, per version.
        await using (var store = OpenStore())
        {
            var stored = await LiveAccuracyReader.ReadAsync(store, report.Agents.Select(a => a.Id), 1, long.MaxValue, CancellationToken.None);
            Assert.Equal(0, stored.Unreadable);
            Assert.Equal(
                stored.Versions.Select(v => (v.Task, v.Version, v.Predictions, v.Labelled, v.Correct, v.Accuracy)),
                report.LiveAccuracy.Select(l => (l.Task, l.Version, l.Predictions, l.Labelled, l.Correct, l.LiveAccuracy)));
        }

        // report.json carries at least the documented fields, under the documented names.
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(outcome.ReportPath));
        var root = json.RootElement;
        Assert.Equal(report.Ingested.MotionSamples, root.GetProperty("ingested").GetProperty("motionSamples").GetInt64());
        Assert.Equal(report.Ingested.Frames, root.GetProperty("ingested").GetProperty("frames").GetInt64());
        Assert.Equal(0, root.GetProperty("ingested").GetProperty("quarantined").GetInt64());
        Assert.Equal(report.Rollouts.Count, root.GetProperty("rollouts").GetArrayLength());
        Assert.Equal(
            report.Models.Select(m => (m.Task, m.Version, m.HeldOutAccuracy, m.HeldOutExamples)),
            root.GetProperty("models").EnumerateArray().Select(m => (m.GetProperty("task").GetString()!, m.GetProperty("version").GetInt32(),
                m.GetProperty("heldOutAccuracy").GetDouble(), m.GetProperty("heldOutExamples").GetInt32())));
        Assert.Equal(
            report.LiveAccuracy.Select(l => (l.Task, l.Version, l.Predictions, l.Labelled, l.Correct)),
            root.GetProperty("liveAccuracy").EnumerateArray().Select(l => (l.GetProperty("task").GetString()!, l.GetProperty("version").GetInt32(),
                l.GetProperty("predictions").GetInt64(), l.GetProperty("labelled").GetInt64(), l.GetProperty("correct").GetInt64())));
        Assert.Equal(
            report.Rounds.Select(r => (r.Task, r.Outcome, r.TrainExamples, r.HeldOutExamples, r.Blessing!.CandidateScore)),
            root.GetProperty("rounds").EnumerateArray().Select(r => (r.GetProperty("task").GetString()!, r.GetProperty("outcome").GetString()!,
                r.GetProperty("trainExamples").GetInt32(), r.GetProperty("heldOutExamples").GetInt32(), r.GetProperty("blessing").GetProperty("candidateScore").GetDouble())));
        Assert.Equal(
            report.Agents.Select(a => (a.Id, a.Task, a.ModelVersion, a.Predictions)),
            root.GetProperty("agents").EnumerateArray().Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("task").GetString()!,
                (int?)a.GetProperty("modelVersion").GetInt32(), a.GetProperty("predictions").GetInt64())));
    }

    public void Dispose()
    {
        _data.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The run's store, opened read-only the way `pipeline up` chose it.</summary>
    private ITelemetryStore OpenStore()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(StoreSettings()).Build();
        return new ServiceCollection().AddConfiguredTelemetryStore(configuration, DataFolder, StoreAccess.ReadOnly)
            .BuildServiceProvider().GetRequiredService<ITelemetryStore>();
    }

    private async Task<RunOutcome> RunAsync()
    {
        var settings = new UpSettings(
            Rounds: 1,
            DataFolder: _data.Path,
            ExternalBroker: await BrokerAsync(),
            BrokerPort: 0,
            Speed: 50,
            Schedule: "pipelined",
            SettleTimeout: TimeSpan.FromSeconds(90),
            // The loop's mechanics are under test here, not model quality: train early and briefly.
            Overrides: [new("Trainer:Epochs", "4"), new("Trainer:MinExamplesPerClass", "3"), new("Trainer:MinClasses", "2"), .. StoreSettings()]);
        Assert.Null(settings.Validate());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        return await new LocalLoop(settings, new TestOutputWriter(output)).RunAsync(timeout.Token);
    }
}
