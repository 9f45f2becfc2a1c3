using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Pipeline.Storage;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests.Resilience;

/// <summary>The real ingest executable against mosquitto, SIGKILLed mid-stream and started again on the same data and session.</summary>
public sealed class IngestKilledMidStreamTests(MosquittoBrokerFixture broker, ITestOutputHelper output) : IClassFixture<MosquittoBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TemporaryFolder _data = new("ingest-killed");
    private readonly string _clientId = $"ingest-{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task IngestKilledMidStream_AndRestarted_StoresEverySentBatchExactlyOnce()
    {
        const int Total = 1500;
        var motion = new SequencedMotion("club-killed");
        await using var publisher = new MqttConnectionFactory(broker.Broker.ToOptions(), TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning)).Create($"publisher-{Guid.NewGuid():N}");
        await publisher.ConnectAsync(Cancel).WaitAsync(Patience);

        long storedAtKill;
        var published = 0;
        Task publishing;
        using (var first = ComponentProcess.Start(typeof(IngestService).Assembly, Arguments()))
        {
            await Eventually.TrueAsync(() => first.HasExited || first.RecentLog.Contains("subscribed", StringComparison.Ordinal), Patience, "the first ingest subscribes");
            Assert.False(first.HasExited, $"the first ingest exited early:\n{first.RecentLog}");
            // The second half waits for the kill: ingest can store faster than the test sees 200 stored, and a kill after
            // the last batch was stored would not be mid-stream.
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            publishing = Task.Run(async () =>
            {
                for (var i = 0; i < Total; i++)
                {
                    if (i == Total / 2)
                    {
                        await killed.Task;
                    }

                    await publisher.PublishAsync(motion.Topic, motion.Payload(i), false, Cancel);
                    Interlocked.Increment(ref published);
                }
            });

            await Eventually.TrueAsync(async () => await StoredAsync() >= 200 || publishing.IsFaulted, Patience, () => $"the first ingest stores some batches:\n{first.RecentLog}");
            await first.KillAsync();
            killed.SetResult();
            storedAtKill = await StoredAsync();
            output.WriteLine($"killed with {storedAtKill} batches stored and {Volatile.Read(ref published)} published");
        }

        Assert.True(storedAtKill < Total, "the kill came mid-stream");
        using var second = ComponentProcess.Start(typeof(IngestService).Assembly, Arguments());
        await publishing;
        await Eventually.TrueAsync(async () => await StoredAsync() == Total || second.HasExited, Patience,
            $"all {Total} batches stored after the restart:\n{second.RecentLog}");
        Assert.False(second.HasExited, second.RecentLog);

        await using var store = EmbeddedTelemetryStore.OpenReadOnly(StoreFolder);
        var series = await store.ReadMotionAsync(motion.DeviceId, motion.StartMicros, long.MaxValue, Cancel);
        Assert.True(motion.Samples(Total).SequenceEqual(series.Samples), motion.Describe(series, Total));
    }

    private static CancellationToken Cancel => CancellationToken.None;

    private string StoreFolder => _data.Combine("store");

    private string[] Arguments() =>
    [
        "--broker", $"{broker.Broker.Host}:{broker.Broker.Port}",
        "--Ingest:DataFolder", _data.Path,
        "--Ingest:ClientId", _clientId,
    ];

    private async Task<long> StoredAsync()
    {
        if (!Directory.Exists(StoreFolder))
        {
            return 0;
        }

        await using var store = EmbeddedTelemetryStore.OpenReadOnly(StoreFolder);
        return (await store.CountAsync(Cancel)).MotionBatches;
    }
}
