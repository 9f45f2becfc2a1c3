using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Simulation.Golf;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Agent;

public sealed class EdgeAgentStreamingTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("edge-agent-test");

    private BrokerOptions Broker => fixture.Broker.ToOptions();

    [Fact]
    public async Task GolfAgent_StreamsConsecutiveBatches_LabelsCoveringThem_AndRetainedOnlineStatus()
    {
        const string device = "club-stream";
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var worker = AgentFactory.Create(Broker, AgentFactory.Golf(device, _folder.Combine(device), maxSessions: 3), _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => recorder.On(Topics.Labels(Topics.DefaultSite, device)).Count == 3, Patience, "three swing sessions labelled");

            var batches = recorder.On(Topics.Motion(Topics.DefaultSite, device)).Select(m => MotionBatchCodec.Decode(m.Payload)).ToList();
            Assert.All(batches, b => Assert.True(b.IsSuccess, b.Error?.Message));
            var motion = batches.Select(b => b.Value!).ToList();
            Assert.Single(motion.Select(b => b.StreamId).Distinct());
            Assert.Equal(Enumerable.Range(0, motion.Count).Select(i => (ulong)i), motion.Select(b => b.Sequence));
            for (var i = 1; i < motion.Count; i++)
            {
                Assert.Equal(motion[i - 1].TimestampOf(motion[i - 1].SampleCount), motion[i].FirstTimestampMicros);
            }

            var labels = recorder.On(Topics.Labels(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeSessionLabel(m.Payload).Value!).ToList();
            Assert.Equal(motion[0].FirstTimestampMicros, labels[0].StartMicros);
            for (var i = 1; i < labels.Count; i++)
            {
                Assert.Equal(labels[i - 1].EndMicros, labels[i].StartMicros);
            }

            Assert.Equal(motion[^1].TimestampOf(motion[^1].SampleCount), labels[^1].EndMicros);
            Assert.All(labels, l => Assert.Contains(l.Swing!.Player, GolfClubSimulator.Players.Select(p => p.Name)));
            Assert.Equal(motion.Sum(b => (long)b.SampleCount), worker.Snapshot().SamplesSent);

            // The status is retained: a subscriber arriving later still learns the device is online.
            await using var late = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("late"), Topics.Status(Topics.DefaultSite, device));
            await Eventually.TrueAsync(() => late.Messages.Count > 0, Patience, "the retained status arrives");
            var status = ControlMessageCodec.DecodeDeviceStatus(late.Messages[0].Payload).Value!;
            Assert.True(late.Messages[0].Retain);
            Assert.Equal(DeviceState.Online, status.State);
            Assert.Null(status.ModelVersion);
            Assert.Contains("without a model", status.Message);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task MicroscopeAgent_StreamsLabelledFramesWithDegradation_InSessions()
    {
        const string device = "scope-stream";
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Frames(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var worker = AgentFactory.Create(Broker, AgentFactory.Microscope(device, _folder.Combine(device), maxSessions: 2), _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => recorder.On(Topics.Labels(Topics.DefaultSite, device)).Count == 2, Patience, "two exposure sessions labelled");

            var frames = recorder.On(Topics.Frames(Topics.DefaultSite, device)).Select(m => MicroscopyFrameCodec.Decode(m.Payload).Value!).ToList();
            var labels = recorder.On(Topics.Labels(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeSessionLabel(m.Payload).Value!).ToList();
            Assert.Equal(6, frames.Count);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => (ulong)i), frames.Select(f => f.Sequence));
            Assert.All(frames, f => Assert.Equal((64, 64, PixelFormat.Gray8), (f.Width, f.Height, f.Format)));
            Assert.All(frames, f => Assert.InRange(f.DegradationLevel!.Value, 0f, 0.6f));
            foreach (var label in labels)
            {
                var inside = frames.Where(f => f.TimestampMicros >= label.StartMicros && f.TimestampMicros < label.EndMicros).ToList();
                Assert.Equal(3, inside.Count);
                Assert.All(inside, f => Assert.Equal(label.Voc!.Name, f.Label!.Voc));
                Assert.All(inside, f => Assert.Equal(label.Voc!.ConcentrationPercent, f.Label!.ConcentrationPercent));
            }

            Assert.Equal(6, worker.Snapshot().FramesSent);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Agent_LinkResetWithoutGoodbye_BrokerPublishesOfflineWill_ThenAgentIsOnlineAgain()
    {
        const string device = "club-will";
        await using var relay = new TcpRelay(fixture.Broker.Port);
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"), Topics.Status(Topics.DefaultSite, device));
        var throughRelay = new BrokerOptions { Host = "127.0.0.1", Port = relay.Port };
        var worker = AgentFactory.Create(throughRelay, AgentFactory.Golf(device, _folder.Combine(device)), _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => States().Contains(DeviceState.Online), Patience, "the agent says it is online");

            // Nothing flows until the broker has noticed: an agent reconnecting first would take its session over, and a
            // session taken over publishes no will (the device is back, so none is due).
            relay.BlackHole();
            relay.ResetAll();

            await Eventually.TrueAsync(() => States().Contains(DeviceState.Offline), Patience, "the broker publishes the agent's last will");
            relay.Restore();
            var will = Statuses().First(s => s.State == DeviceState.Offline);
            Assert.Contains("connection lost", will.Message);
            await Eventually.TrueAsync(() => States().SkipWhile(s => s != DeviceState.Offline).Contains(DeviceState.Online), Patience,
                "the agent reconnects and says it is online again");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        List<DeviceStatus> Statuses() => [.. recorder.Messages.Select(m => ControlMessageCodec.DecodeDeviceStatus(m.Payload).Value!)];
        List<DeviceState> States() => [.. Statuses().Select(s => s.State)];
    }

    [Fact]
    public async Task Agent_StoppedCleanly_LeavesRetainedOfflineStoppedStatus()
    {
        const string device = "club-stop";
        var worker = AgentFactory.Create(Broker, AgentFactory.Golf(device, _folder.Combine(device)), _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"), Topics.Motion(Topics.DefaultSite, device));
            await Eventually.TrueAsync(() => recorder.Messages.Count > 0, Patience, "the agent streams");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        // A stop is not a failure: the agent ends cleanly, or a host that stops on a failed service would stop with it.
        Assert.True(worker.ExecuteTask!.IsCompletedSuccessfully, $"the stopped agent ended {worker.ExecuteTask.Status}");

        await using var late = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("late"), Topics.Status(Topics.DefaultSite, device));
        await Eventually.TrueAsync(() => late.Messages.Count > 0, Patience, "the retained status arrives");
        var status = ControlMessageCodec.DecodeDeviceStatus(late.Messages[^1].Payload).Value!;
        Assert.Equal(DeviceState.Offline, status.State);
        Assert.Equal("stopped", status.Message);
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }
}
