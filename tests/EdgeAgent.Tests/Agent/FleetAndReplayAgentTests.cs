using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Tests.Replay;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Agent;

public sealed class FleetAndReplayAgentTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning);
    private readonly TemporaryFolder _folder = new("edge-fleet-test");

    private BrokerOptions Broker => fixture.Broker.ToOptions();

    public void Dispose()
    {
        _loggers.Dispose();
        _folder.Dispose();
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void FleetCount_MakesThatManyDevices_WithNumberedIdsDerivedSeedsAndOwnFolders()
    {
        var fleet = EdgeAgentFleetOptions.Bind(Configuration(
            ("Agent:DeviceId", "club"), ("Agent:Seed", "7"), ("Agent:DataFolder", "fleet-data"), ("Agent:SpeedFactor", "50"), ("Agent:Fleet:Count", "300")));

        Assert.Equal(300, fleet.Agents.Count);
        Assert.Equal("club-0001", fleet.Agents[0].DeviceId);
        Assert.Equal("club-0300", fleet.Agents[^1].DeviceId);
        Assert.Equal(300, fleet.Agents.Select(a => a.Seed).Distinct().Count());
        Assert.Equal(Path.Combine("fleet-data", "club-0002"), fleet.Agents[1].DataFolder);
        Assert.All(fleet.Agents, a => Assert.Equal(50, a.SpeedFactor));
        Assert.Empty(fleet.Problems(AgentFactory.Kinds));
    }

    [Fact]
    public void FleetCount_OutOfRange_IsNamedByValidation()
    {
        var fleet = EdgeAgentFleetOptions.Bind(Configuration(("Agent:DeviceId", "club"), ("Agent:Fleet:Count", "-3")));
        Assert.Contains(fleet.Problems(AgentFactory.Kinds), e => e.Contains("Fleet:Count"));
    }

    [Fact]
    public async Task Fleet_OfFiftyAgents_StreamsEveryDevicesSessionThroughOneBroker()
    {
        const int count = 50;
        var fleet = EdgeAgentFleetOptions.Bind(Configuration(
            ("Agent:DeviceId", "load"), ("Agent:SpeedFactor", "1000"), ("Agent:MaxSessions", "1"),
            ("Agent:DataFolder", _folder.Path), ("Agent:Fleet:Count", count.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"), Topics.AllDevices(TelemetryStream.Labels));
        var workers = fleet.Agents.Select(a => AgentFactory.Create(Broker, a, _loggers)).ToList();
        await Task.WhenAll(workers.Select(w => w.StartAsync(CancellationToken.None)));
        try
        {
            await Eventually.TrueAsync(() => recorder.Messages.Count >= count, Patience, "every device labelled its session");

            var devices = recorder.Messages.Select(m => ControlMessageCodec.DecodeSessionLabel(m.Payload).Value!.DeviceId).ToHashSet();
            Assert.Equal(fleet.Agents.Select(a => a.DeviceId).ToHashSet(), devices);
            await Eventually.TrueAsync(() => workers.All(w => w.Snapshot().OutboxDepth == 0), Patience, "every outbox drained");
        }
        finally
        {
            await Task.WhenAll(workers.Select(w => w.StopAsync(CancellationToken.None)));
            workers.ForEach(w => w.Dispose());
        }
    }

    [Fact]
    public async Task GolfReplayAgent_StreamsTheRecordedSamplesAndLabels_ThenStops()
    {
        const string device = "club-replay";
        var recording = MotionRecordingReaderTests.WriteRecording(_folder.Combine("swings.csv"),
            [.. Enumerable.Range(0, 120).Select(i => MotionRecordingReaderTests.Row(i, "a", "ann", "draw")),
             "not,a,row",
             .. Enumerable.Range(120, 30).Select(i => MotionRecordingReaderTests.Row(i, "b", "bob", "fade"))]);
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        options.ReplayPath = recording;
        var worker = AgentFactory.Create(Broker, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => recorder.On(Topics.Labels(Topics.DefaultSite, device)).Count == 2, Patience, "both recorded sessions labelled");

            var labels = recorder.On(Topics.Labels(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeSessionLabel(m.Payload).Value!).ToList();
            Assert.Equal(["ann:draw", "bob:fade"], labels.Select(l => l.ClassName));
            var batches = recorder.On(Topics.Motion(Topics.DefaultSite, device)).Select(m => MotionBatchCodec.Decode(m.Payload).Value!).ToList();
            Assert.Equal(150, batches.Sum(b => b.SampleCount));
            Assert.Equal(1f * 1, batches[0].Samples[8]);
            Assert.Equal(150, worker.Snapshot().SamplesSent);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
            worker.Dispose();
        }
    }

    [Fact]
    public void ReplayPath_ThatDoesNotExist_IsNamedByValidation()
    {
        var options = AgentFactory.Golf("club-1", _folder.Path);
        options.ReplayPath = _folder.Combine("nope.csv");
        Assert.Contains(options.Problems("Agent", AgentFactory.Kinds), e => e.Contains("ReplayPath") && e.Contains("nope.csv"));
    }
}
