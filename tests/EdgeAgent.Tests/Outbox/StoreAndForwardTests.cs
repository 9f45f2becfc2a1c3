using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>Store-and-forward against Debian's mosquitto, stopped and restarted on the same port (each test has its own broker).</summary>
public sealed class StoreAndForwardTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("store-and-forward-test");

    [Fact]
    public async Task BrokerStoppedAndRestartedMidStream_SubscriberGetsEverySequenceOnceAfterDeduplication_InOrder_NoneMissing()
    {
        const string device = "club-outage";
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await TopicRecorder.StartPersistentAsync(broker.ToOptions(), _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device), Topics.Status(Topics.DefaultSite, device));
        var received = new ReceivedStream(recorder, device);
        var options = AgentFactory.Golf(device, _folder.Combine(device), maxSessions: 10);
        options.SpeedFactor = 10;
        options.StatusInterval = TimeSpan.FromMilliseconds(100);
        var worker = AgentFactory.Create(broker.ToOptions(), options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => received.RawBatchCount >= 5, Patience, "the agent streams");

            await broker.StopAsync();
            await Eventually.TrueAsync(() => worker.Snapshot().OutboxDepth >= 30, Patience, "sampling goes on and the outbox grows while the broker is down");
            await broker.RestartAsync();

            await Eventually.TrueAsync(() => received.Labels().Count == 10 && worker.Snapshot().OutboxDepth == 0, Patience, "the backlog drains and all ten sessions arrive");
            received.AssertOneCompleteStreamInOrder();
            Assert.Equal(worker.Snapshot().SamplesSent, received.Batches().Sum(b => (long)b.SampleCount));
            Assert.Equal(0, worker.Snapshot().OutboxDropped);
            output.WriteLine($"{received.RawBatchCount} batches received, {received.Batches().Count} distinct");

            // The retained status followed the backlog: it showed it during the outage and shows it drained now.
            await Eventually.TrueAsync(() => Statuses().LastOrDefault()?.OutboxDepth == 0, Patience, "the status reports the drained outbox");
            Assert.Contains(Statuses(), s => s.OutboxDepth > 0);
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        List<DeviceStatus> Statuses() =>
            [.. recorder.On(Topics.Status(Topics.DefaultSite, device)).Select(m => ControlMessageCodec.DecodeDeviceStatus(m.Payload).Value!)];
    }

    [Fact]
    public async Task AgentStoppedDuringAnOutage_AndStartedAgain_ResumesFromItsOutbox_SameStreamWithoutGaps()
    {
        const string device = "club-restart";
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await TopicRecorder.StartPersistentAsync(broker.ToOptions(), _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var received = new ReceivedStream(recorder, device);
        var options = AgentFactory.Golf(device, _folder.Combine(device));
        options.SpeedFactor = 10;
        var first = AgentFactory.Create(broker.ToOptions(), options, _loggers);
        await first.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => received.RawBatchCount >= 5, Patience, "the first agent streams");
            await broker.StopAsync();
            await Eventually.TrueAsync(() => first.Snapshot().OutboxDepth >= 10, Patience, "the outbox grows while the broker is down");
        }
        finally
        {
            await first.StopAsync(CancellationToken.None);
        }

        StreamCheckpoint saved;
        using (var outbox = DiskOutbox.Open(options.OutboxFolder, options.OutboxMaxBytes, NullLogger.Instance))
        {
            Assert.True(outbox.Depth >= 10, $"only {outbox.Depth} messages were left in the outbox");
            saved = outbox.Checkpoint!.Value;
        }

        await broker.RestartAsync();
        options.MaxSessions = 2;
        var second = AgentFactory.Create(broker.ToOptions(), options, _loggers);
        await second.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => received.Labels().Any(l => ReceivedStream.SessionNumberOf(l) == saved.NextSession + 1) && second.Snapshot().OutboxDepth == 0,
                Patience, "the restarted agent drains the first one's backlog and streams two more sessions");

            received.AssertOneCompleteStreamInOrder();
            Assert.Equal(saved.StreamId, received.Batches()[0].StreamId);
            Assert.Contains(received.Batches(), b => b.Sequence == saved.NextSequence);
            Assert.Equal(Enumerable.Range(0, (int)saved.NextSession + 2).Select(i => (long)i), received.Labels().Select(ReceivedStream.SessionNumberOf).Order());
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task OutboxFullDuringAnOutage_DropsTheOldestSessions_KeepsSampling_AndAccountsForEveryMessage()
    {
        const string device = "club-full";
        const int sessions = 12;
        await using var broker = await MosquittoBroker.StartAsync();
        await using var recorder = await TopicRecorder.StartPersistentAsync(broker.ToOptions(), _loggers.CreateLogger("recorder"),
            Topics.Motion(Topics.DefaultSite, device), Topics.Labels(Topics.DefaultSite, device));
        var received = new ReceivedStream(recorder, device);
        await broker.StopAsync();
        var options = AgentFactory.Golf(device, _folder.Combine(device), maxSessions: sessions);
        options.OutboxMaxBytes = DiskOutbox.MinMaxBytes;
        var worker = AgentFactory.Create(broker.ToOptions(), options, _loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => worker.Snapshot().OutboxDropped > 0, Patience, "the outbox fills up and drops");
            Assert.True(OutboxBytes() <= options.OutboxMaxBytes, $"the outbox holds {OutboxBytes()} bytes, above its cap");

            await broker.RestartAsync();
            await Eventually.TrueAsync(() => received.Labels().Any(l => ReceivedStream.SessionNumberOf(l) == sessions - 1) && worker.Snapshot().OutboxDepth == 0,
                Patience, "the newest session arrives and the outbox drains");

            var batches = received.Batches();
            Assert.Equal(batches.Select(b => b.Sequence).Order(), batches.Select(b => b.Sequence));
            var appended = (long)batches[^1].Sequence + 1 + sessions;
            var snapshot = worker.Snapshot();
            Assert.Equal(appended, batches.Count + received.Labels().Count + snapshot.OutboxDropped);
            Assert.True(batches.Count < (int)batches[^1].Sequence + 1, "some batches were dropped");
            output.WriteLine($"{appended} messages appended, {snapshot.OutboxDropped} dropped by the cap");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        // The outbox deletes segments meanwhile: one listed and gone before its length is read holds nothing.
        long OutboxBytes() => new DirectoryInfo(options.OutboxFolder).EnumerateFiles().Sum(f =>
        {
            try
            {
                return f.Length;
            }
            catch (FileNotFoundException)
            {
                return 0;
            }
        });
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }
}
