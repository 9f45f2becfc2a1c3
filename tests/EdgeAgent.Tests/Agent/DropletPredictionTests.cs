using Microsoft.Extensions.Logging;
using Pipeline.Simulation.Microscope;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;
using Pipeline.Tasks.Droplet;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>A microscope agent on the embedded broker classifies every droplet of a frame and publishes them with the frame's answer.</summary>
public sealed class DropletPredictionTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("edge-agent-droplets");

    [Fact]
    public async Task MicroscopeAgent_WithADropletModel_PublishesEachDropletsClassBesideTheFramesMean()
    {
        const string device = "scope-droplets";
        var broker = fixture.Broker.ToOptions();
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), Topics.Predictions(Topics.DefaultSite, device));
        var options = AgentFactory.Microscope(device, _folder.Combine(device));
        options.SpeedFactor = 20;
        var worker = AgentFactory.Create(broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var vocs = DropletMicroscopeSimulator.Vocs.Select(v => v.Name).Order(StringComparer.Ordinal).ToArray();
            var (manifest, artifact) = ModelAnnouncements.BuildModel(LearningTasks.Droplet, 1, vocs);
            manifest = manifest with { Metrics = new ModelMetrics(0.5, 0.5, 10, 0.5, 0.4) };
            Assert.Equal([1, DropletSegmenter.CropSide, DropletSegmenter.CropSide], manifest.InputShape);
            await ModelAnnouncements.AnnounceAsync(recorder, manifest, artifact);

            await Eventually.TrueAsync(() => Predictions(recorder, device).Count(p => p.Droplets is not null) >= 5, Patience, "five frames predicted per droplet");

            var predictions = Predictions(recorder, device).Where(p => p.Droplets is not null).ToList();
            foreach (var prediction in predictions)
            {
                Assert.Equal(1, prediction.ModelVersion);
                Assert.Contains(prediction.PredictedClass, vocs);
                Assert.InRange(prediction.Confidence, 0f, 1f);
                Assert.NotNull(prediction.ConcentrationPercent);
                Assert.InRange(prediction.Droplets!.Length, 1, DropletSegmenter.MaxDroplets);
                Assert.All(prediction.Droplets, d =>
                {
                    Assert.Contains(d.PredictedClass, vocs);
                    Assert.InRange(d.Confidence, 0f, 1f);
                    Assert.InRange(d.CentreX, 0f, options.FrameSize);
                    Assert.InRange(d.CentreY, 0f, options.FrameSize);

                    // The simulator's droplets are 16-32% of the frame side across; segmentation may join two that touch,
                    // and on a degraded frame may keep only part of one, down to the segmenter's own smallest droplet.
                    Assert.InRange(d.Diameter, DropletSegmenter.MinimumDiameterFraction * options.FrameSize, 0.8f * options.FrameSize);
                });
            }

            // The simulator puts 3-5 droplets in every frame, and a session's frames share them: the first few frames may
            // all be one session, and segmentation joins droplets that touch. So: frames show several, not exactly all.
            Assert.Contains(predictions, p => p.Droplets!.Length >= 2);
            Assert.True(predictions.Average(p => p.Droplets!.Length) >= 1.5, $"mean droplets per frame {predictions.Average(p => p.Droplets!.Length):F1}");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }

    private static List<Prediction> Predictions(TopicRecorder recorder, string device) =>
        [.. recorder.On(Topics.Predictions(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodePrediction(m.Payload).Value!)];
}
