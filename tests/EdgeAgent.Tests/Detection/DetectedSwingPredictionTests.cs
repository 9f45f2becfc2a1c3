using Microsoft.Extensions.Logging;
using Pipeline.Simulation.Golf;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Tests.Detection;

public sealed class DetectedSwingPredictionTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("edge-agent-detected");

    private BrokerOptions Broker => fixture.Broker.ToOptions();

    [Fact]
    public async Task GolfAgent_PublishesPredictionsForTheWindowsItDetects_WithModelVersionLatencyAndTheSessionsClass()
    {
        const string device = "club-detected";
        const int sessions = 10;
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device), Topics.Predictions(Topics.DefaultSite, device));
        await AnnounceModelAsync(recorder, version: 1);
        var options = AgentFactory.Golf(device, _folder.Combine(device), maxSessions: sessions);
        options.SpeedFactor = 10;
        var worker = AgentFactory.Create(Broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => recorder.On(Topics.Labels(Topics.DefaultSite, device)).Count == sessions, Patience, "every session streamed and labelled");
            await Eventually.TrueAsync(() => recorder.On(Topics.Predictions(Topics.DefaultSite, device)).Count >= 3, Patience, "predictions of detected swings");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }

        // What the trainer would cut: in each labelled session, the window SwingWindowing.FindWindowStart finds.
        var stream = recorder.On(Topics.Motion(Topics.DefaultSite, device))
            .Select(m => MotionBatchCodec.Decode(m.Payload).Value!)
            .SelectMany(b => Enumerable.Range(0, b.SampleCount).Select(i => (Timestamp: b.TimestampOf(i), Sample: b.Samples.AsMemory(i * MotionChannels.Count, MotionChannels.Count))))
            .ToList();
        var trainerWindows = new Dictionary<long, string>();
        foreach (var label in recorder.On(Topics.Labels(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeSessionLabel(m.Payload).Value!))
        {
            var inSession = stream.Where(s => s.Timestamp >= label.StartMicros && s.Timestamp < label.EndMicros).ToList();
            var start = SwingWindowing.FindWindowStart(inSession.SelectMany(s => s.Sample.ToArray()).ToArray());
            Assert.True(start >= 0, $"session {label.SessionId} holds no swing");
            trainerWindows.Add(inSession[start].Timestamp, label.ClassName);
        }

        var predictions = recorder.On(Topics.Predictions(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodePrediction(m.Payload).Value!).ToList();
        Assert.All(predictions, p =>
        {
            Assert.Equal(1, p.ModelVersion);
            Assert.True(p.LatencyMs > 0, $"latency {p.LatencyMs} ms");
            Assert.True(trainerWindows.TryGetValue(p.InputTimestampMicros, out var trueClass), $"prediction at {p.InputTimestampMicros} is not at the start of a trainer's window");
            Assert.Equal(trueClass, p.TrueClass);
            Assert.Contains(p.PredictedClass, GolfClubSimulator.ClassNames);
        });
        Assert.Equal(predictions.Count, predictions.Select(p => p.InputTimestampMicros).Distinct().Count());
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

    /// <summary>A real, untrained swing model saved with the Models API, announced as the trainer announces it: chunks first, then manifest.</summary>
    private static async Task AnnounceModelAsync(TopicRecorder publisher, int version)
    {
        var (manifest, artifact) = ModelAnnouncements.BuildModel(LearningTasks.Swing, version, GolfClubSimulator.ClassNames);
        await ModelAnnouncements.AnnounceAsync(publisher, manifest, artifact);
    }
}
