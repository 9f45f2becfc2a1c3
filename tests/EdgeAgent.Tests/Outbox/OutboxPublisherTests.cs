using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EdgeAgent.Tests.Outbox;

/// <summary>The publisher with several publishes in flight, against the in-process broker.</summary>
public sealed class OutboxPublisherTests(EmbeddedBrokerFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _folder = new("outbox-publisher-test");

    [Fact]
    public async Task ManyInFlight_EveryMessageArrivesInOrder_AndTheOutboxDrainsToAnEmptyCursorOnReopen()
    {
        const string topic = "test/outbox-publisher/window";
        const int messages = 500;
        var broker = fixture.Broker.ToOptions();
        await using var recorder = await TopicRecorder.StartAsync(broker, _loggers.CreateLogger("recorder"), topic);
        var folder = _folder.Combine("outbox");
        using (var outbox = DiskOutbox.Open(folder, 16L * 1024 * 1024, NullLogger.Instance))
        {
            await using var connection = new MqttConnectionFactory(broker, _loggers).Create("outbox-publisher-window");
            using var timeout = new CancellationTokenSource(Patience);
            await connection.ConnectAsync(timeout.Token);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
            var publishing = new OutboxPublisher(outbox, connection, inFlight: 16).RunAsync(stop.Token);
            for (var i = 0; i < messages; i++)
            {
                outbox.Append(topic, BitConverter.GetBytes(i), new StreamCheckpoint(1, (ulong)i + 1, 0, i + 1), endsSession: i % 100 == 99);
            }

            await Eventually.TrueAsync(() => outbox.Depth == 0 && recorder.On(topic).Count >= messages, Patience, "the outbox drains");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publishing);
        }

        Assert.Equal(Enumerable.Range(0, messages), recorder.On(topic).Select(m => BitConverter.ToInt32(m.Payload)).Distinct());
        Assert.Equal(Enumerable.Range(0, messages), recorder.On(topic).Select(m => BitConverter.ToInt32(m.Payload)));
        using var reopened = DiskOutbox.Open(folder, 16L * 1024 * 1024, NullLogger.Instance);
        Assert.Equal(0, reopened.Depth);
    }

    public void Dispose()
    {
        _folder.Dispose();
        _loggers.Dispose();
    }
}
