using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>
/// A link that silently stops carrying packets (no reset, as when a route dies) for longer than the keep-alive, while
/// the agent samples on: nothing it recorded is lost, and every batch arrives once the link is back.
/// </summary>
public sealed class BlackHoledLinkTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("black-holed-link");

    [Fact]
    [Trait("Category", "Faults")]
    public async Task LinkBlackHoledLongerThanTheKeepAlive_LosesNothing()
    {
        const string device = "club-hole";
        const int sessions = 20;
        await using var relay = new TcpRelay(fixture.Broker.Port);
        await using var recorder = await TopicRecorder.StartAsync(fixture.Broker.ToOptions(), _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device), Topics.Status(Topics.DefaultSite, device));
        var received = new ReceivedStream(recorder, device);
        var throughRelay = new BrokerOptions { Host = "127.0.0.1", Port = relay.Port, KeepAlive = TimeSpan.FromSeconds(1), ReconnectMaxDelay = TimeSpan.FromSeconds(0.5) };
        var options = AgentFactory.Golf(device, _folder.Combine(device), maxSessions: sessions);
        options.SpeedFactor = 10;
        var worker = AgentFactory.Create(throughRelay, options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => received.Batches().Count >= 20, Patience, "the agent streams through the relay");

            relay.BlackHole();
            var before = worker.Snapshot().SamplesSent;
            // Longer than the keep-alive: until the broker, hearing nothing for 1.5 keep-alives, gives the agent up and
            // publishes its last will, while the agent samples on into its outbox.
            await Eventually.TrueAsync(() => Offline(recorder, device), Patience, "the broker notices the dead link and publishes the agent's will");
            Assert.True(worker.Snapshot().OutboxDepth > 0, "nothing waited in the outbox during the black hole");
            relay.Restore();

            await Eventually.TrueAsync(() => received.Labels().Count == sessions && worker.Snapshot().OutboxDepth == 0, Patience,
                "every session arrives once the link is back, and the outbox drains");
            output.WriteLine($"samples sent before the black hole: {before}; raw batches received {received.RawBatchCount}, distinct {received.Batches().Count}");

            // Arrival order is not asserted: the dead connection's last bytes, held in the relay, may reach the broker after
            // the new connection's, exactly as a real route that comes back does. Receivers order by sequence and time.
            var batches = received.Batches();
            Assert.Single(batches.Select(b => b.StreamId).Distinct());
            var account = new DeliveryAccount("a link black-holed for longer than the keep-alive");
            account.Add(device, [.. Enumerable.Range(0, (int)batches[^1].Sequence + 1).Select(i => (long)i)], [.. batches.Select(b => (long)b.Sequence)]);
            account.AssertNothingLostOrDuplicated(output.WriteLine);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    private static bool Offline(TopicRecorder recorder, string device) =>
        recorder.On(Topics.Status(Topics.DefaultSite, device)).Any(m => ControlMessageCodec.DecodeDeviceStatus(m.Payload).Value?.State == DeviceState.Offline);

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }
}
