using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Outbox;

public sealed class AgentRestartTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("agent-restart-test");

    private BrokerOptions Broker => fixture.Broker.ToOptions();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task AgentRestarted_WithATornTailInItsOutbox_ContinuesTheSameStream_WithoutReusingOrSkippingASequenceNumber()
    {
        const string device = "club-torn";
        await using var recorder = await TopicRecorder.StartAsync(Broker, _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var received = new ReceivedStream(recorder, device);
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        options.SpeedFactor = 50;
        var first = AgentFactory.Create(Broker, options, _loggers);
        await first.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => received.RawBatchCount >= 40, Patience, "the first agent streams");
        }
        finally
        {
            await first.StopAsync(CancellationToken.None);
        }

        StreamCheckpoint saved;
        using (var outbox = DiskOutbox.Open(options.OutboxFolder, options.OutboxMaxBytes, NullLogger.Instance))
        {
            saved = outbox.Checkpoint!.Value;
        }

        // A crash in the middle of an append leaves half a record behind.
        var newest = Directory.GetFiles(options.OutboxFolder, "*" + DiskOutbox.SegmentExtension).Order().Last();
        var torn = OutboxRecordFormat.Encode(new OutboxRecord(saved with { NextSequence = saved.NextSequence + 1 }, "torn", new byte[500]));
        await using (var file = new FileStream(newest, FileMode.Append))
        {
            await file.WriteAsync(torn.AsMemory(0, 300));
        }

        options.MaxSessions = 1;
        var second = AgentFactory.Create(Broker, options, _loggers);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => received.Labels().Any(l => ReceivedStream.SessionNumberOf(l) == saved.NextSession) && second.Snapshot().OutboxDepth == 0,
                Patience, "the restarted agent streams its session and drains");

            received.AssertOneCompleteStreamInOrder();
            Assert.Equal(saved.StreamId, received.Batches()[0].StreamId);
            Assert.Contains(received.Batches(), b => b.Sequence == saved.NextSequence);
            Assert.Equal(Enumerable.Range(0, (int)saved.NextSession + 1).Select(i => (long)i), received.Labels().Select(ReceivedStream.SessionNumberOf).Order());
            Assert.DoesNotContain(recorder.Messages, m => m.Topic == "torn");
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }
}
