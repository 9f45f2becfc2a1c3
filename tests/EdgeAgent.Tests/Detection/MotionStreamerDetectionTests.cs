using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation;
using Pipeline.Simulation.Golf;
using Pipeline.EdgeAgent.Devices;
using Pipeline.EdgeAgent.Devices.Golf;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Detection;

public sealed class MotionStreamerDetectionTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("edge-agent-detection");

    [Fact]
    public async Task StreamedSessions_AreScoredAgainstTheDetector_DetectedMissedAndFalseDetectionsCounted()
    {
        var simulator = new GolfClubSimulator(seed: 31);
        var swings = Enumerable.Range(0, 6).Select(_ => simulator.NextSession()).ToList();

        // A labelled session holding only idle handling (nothing to detect: a miss), and one holding two swings
        // (the second detection in it is a false detection), between ordinary one-swing sessions.
        var idleOnly = swings[2] with { Samples = swings[2].Samples[..(swings[2].AddressIndex * MotionChannels.Count)], ImpactIndex = -1 };
        var twoSwings = swings[3] with { Samples = [.. swings[3].Samples, .. swings[4].Samples], ImpactIndex = -1 };
        List<SwingSession> sessions = [swings[0], swings[1], idleOnly, twoSwings, swings[5]];

        var options = AgentFactory.Golf("club-detect", _folder.Combine("club-detect"));
        options.SpeedFactor = 100_000;
        var telemetry = new AgentTelemetry(AgentTelemetryInstruments.Unexported, "test-device");
        using var outbox = DiskOutbox.Open(options.OutboxFolder, options.OutboxMaxBytes, NullLogger.Instance);
        await using var connection = new MqttConnectionFactory(new BrokerOptions(), NullLoggerFactory.Instance).Create("unused");
        using var models = new ModelSlot();
        var task = AgentFactory.Kinds.TaskOf(options.Kind);
        var inference = new InferenceLoop(options, task, models, connection, telemetry, NullLogger.Instance);
        var device = new DeviceContext(options, task, outbox, new SimulatedClock(TimeProvider.System, options.SpeedFactor), telemetry, NullLogger.Instance);
        var streamer = new MotionStreamer(device, sessions);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await streamer.RunAsync(inference, timeout.Token);

        Assert.Equal(sessions.Sum(s => (long)s.SampleCount), telemetry.SamplesSent);
        Assert.Equal(4, telemetry.SwingsDetected);
        Assert.Equal(1, telemetry.SwingsMissed);
        Assert.Equal(1, telemetry.FalseSwingDetections);
        Assert.Equal(0, telemetry.InferenceDrops);
    }

    public void Dispose() => _folder.Dispose();
}
