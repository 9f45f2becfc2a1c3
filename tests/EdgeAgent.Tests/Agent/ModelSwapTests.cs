using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.Simulation.Golf;
using Pipeline.Simulation.Microscope;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using static Pipeline.EdgeAgent.Tests.Agent.ModelAnnouncements;

namespace Pipeline.EdgeAgent.Tests.Agent;

public sealed class ModelSwapTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("edge-agent-models");

    private BrokerOptions Broker => fixture.Broker.ToOptions();

    [Fact]
    public async Task AnnouncedModel_IsSwappedInWithoutRestart_WhileBadAnnouncementsAreRefusedAndItKeepsPredicting()
    {
        const string device = "club-models";
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Status(Topics.DefaultSite, device), Topics.Predictions(Topics.DefaultSite, device));
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        options.SpeedFactor = 20;
        var worker = AgentFactory.Create(Broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Statuses(recorder, device).Count > 0, Patience, "the agent comes online");
            Assert.Empty(Predictions(recorder, device));

            var (good, goodArtifact) = BuildModel(LearningTasks.Swing, 1, GolfClubSimulator.ClassNames);
            await AnnounceAsync(recorder, good, goodArtifact);
            await Eventually.TrueAsync(() => Predictions(recorder, device).Any(p => p.ModelVersion == 1), Patience, "predictions from model v1");
            Assert.Equal(1, worker.ModelVersion);
            Assert.Contains(Statuses(recorder, device), s => s.ModelVersion == 1 && s.Message!.Contains("running model v1"));
            var first = Predictions(recorder, device)[0];
            Assert.Contains(first.PredictedClass, GolfClubSimulator.ClassNames);
            Assert.Contains(first.TrueClass, GolfClubSimulator.ClassNames);
            Assert.InRange(first.Confidence, 0f, 1f);

            await recorder.PublishAsync(Topics.ModelManifest(LearningTasks.Swing), "{not a manifest"u8.ToArray(), retain: false);
            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.Message!.Contains("refused a model manifest")), Patience, "the garbled manifest is refused");

            var (corrupt, corruptArtifact) = BuildModel(LearningTasks.Swing, 2, GolfClubSimulator.ClassNames);
            corruptArtifact[corruptArtifact.Length / 2] ^= 0xFF;
            await AnnounceAsync(recorder, corrupt, corruptArtifact);
            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.Message!.Contains("refused model v2") && s.Message.Contains("SHA-256")), Patience,
                "the corrupted artifact is refused for its checksum");

            var (truncated, fullArtifact) = BuildModel(LearningTasks.Swing, 3, GolfClubSimulator.ClassNames);
            await AnnounceAsync(recorder, truncated, fullArtifact[..(fullArtifact.Length / 3)]);
            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.Message!.Contains("refused model v3") && s.Message.Contains("bytes")), Patience,
                "the truncated artifact is refused for its size");

            var before = Predictions(recorder, device).Count;
            await Eventually.TrueAsync(() => Predictions(recorder, device).Count >= before + 3, Patience, "the agent keeps predicting after the refusals");
            Assert.All(Predictions(recorder, device), p => Assert.Equal(1, p.ModelVersion));
            Assert.Equal(1, worker.ModelVersion);
            Assert.Equal(1, Statuses(recorder, device)[^1].ModelVersion);
            Assert.Equal(3, worker.Snapshot().Rejections);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
    }

    [Fact]
    public async Task RestartedAgent_LoadsItsLastGoodModelFromTheDataFolder_AndPredictsWithIt()
    {
        const string device = "scope-models";
        var options = AgentFactory.Microscope(device, _folder.Combine(device));
        options.SpeedFactor = 20;
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Status(Topics.DefaultSite, device), Topics.Predictions(Topics.DefaultSite, device));

        var first = AgentFactory.Create(Broker, options, _loggers);
        await first.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Statuses(recorder, device).Count > 0, Patience, "the first agent comes online");
            var (manifest, artifact) = BuildModel(LearningTasks.Droplet, 1, [.. DropletMicroscopeSimulator.Vocs.Select(v => v.Name)]);
            await AnnounceAsync(recorder, manifest, artifact);
            await Eventually.TrueAsync(() => first.ModelVersion == 1, Patience, "the first agent runs model v1");
            // The agent swaps a model in first and saves it after, so the save may still be under way.
            var saved = new LastGoodModelStore(options.DataFolder);
            await Eventually.TrueAsync(async () => (await saved.LoadAsync(CancellationToken.None)).Manifest?.Version == 1, Patience, "the first agent saved model v1");
        }
        finally
        {
            await first.StopAsync(CancellationToken.None);
            first.Dispose();
        }

        var predictionsBefore = Predictions(recorder, device).Count;
        var second = AgentFactory.Create(Broker, options, _loggers);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => Statuses(recorder, device).Any(s => s.Message!.Contains("started with last good model v1")), Patience,
                "the restarted agent says it loaded its last good model");
            await Eventually.TrueAsync(() => Predictions(recorder, device).Count > predictionsBefore, Patience, "the restarted agent predicts");
            var prediction = Predictions(recorder, device)[^1];
            Assert.Equal(1, prediction.ModelVersion);
            Assert.Contains(prediction.TrueClass, DropletMicroscopeSimulator.Vocs.Select(v => v.Name));
            Assert.Equal(0, second.Snapshot().Rejections);
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
            second.Dispose();
        }
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

}
