using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Resilience;
using Pipeline.Ingest.Spilling;
using Pipeline.Storage;
using Pipeline.Storage.Influx;
using Pipeline.TestSupport;
using Polly.CircuitBreaker;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests.Resilience;

/// <summary>Ingest against a real influxd that is stopped, killed and restarted under it, on the embedded broker.</summary>
public sealed class StoreOutageTests(InfluxDbServerFixture influx, EmbeddedBrokerFixture broker, ITestOutputHelper output)
    : IClassFixture<InfluxDbServerFixture>, IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private readonly TemporaryFolder _data = new("ingest-outage");
    private readonly string _clientId = $"ingest-{Guid.NewGuid():N}";
    private readonly string _database = $"outage_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task InfluxStoppedForThirtySecondsMidStream_IngestKeepsAcknowledgingIntoTheSpill_AndTheStoreEndsWithEveryBatchOnce()
    {
        var motion = new SequencedMotion("club-outage");
        await EnsureInfluxRunningAsync();
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        long published = 0;

        for (; published < 100; published++)
        {
            await publisher.PublishAsync(motion.Topic, motion.Payload(published), false, Cancel);
        }

        await Eventually.TrueAsync(() => telemetry.Totals.MotionBatches == 100, Patience, $"the first 100 batches stored before the outage: {telemetry}");

        await influx.Server.StopAsync();
        var outage = Stopwatch.StartNew();
        var publishedBeforeOutage = published;
        var circuitOpened = false;
        var circuit = host.Services.GetRequiredService<StoreResiliencePipeline>();
        // The device keeps sending through the whole outage, one batch every 50 ms.
        using (var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        {
            while (outage.Elapsed < Outage && await pace.WaitForNextTickAsync(Cancel))
            {
                await publisher.PublishAsync(motion.Topic, motion.Payload(published++), false, Cancel);
                circuitOpened |= circuit.CircuitState == CircuitState.Open;
            }
        }

        var unacknowledged = host.Services.GetRequiredService<UnacknowledgedMessages>();
        var sentDuringOutage = published - publishedBeforeOutage;
        await Eventually.TrueAsync(() => telemetry.Totals.Spilled == sentDuringOutage && unacknowledged.Count == 0, Patience,
            $"every batch sent during the outage acknowledged through the spill ({sentDuringOutage} sent): {telemetry}, {unacknowledged.Count} unacknowledged");
        Assert.True(circuitOpened, "the store's circuit opened during the outage");
        Assert.Equal(100, telemetry.Totals.MotionBatches);
        output.WriteLine($"outage of {outage.Elapsed.TotalSeconds:0.0} s: {sentDuringOutage} batches sent and spilled; {host.Services.GetRequiredService<SpillBuffer>().Bytes} bytes on disk");

        await influx.Server.RestartAsync(Cancel);
        for (var i = 0; i < 100; i++, published++)
        {
            await publisher.PublishAsync(motion.Topic, motion.Payload(published), false, Cancel);
        }

        var store = host.Services.GetRequiredService<ITelemetryStore>();
        var spill = host.Services.GetRequiredService<SpillBuffer>();
        await Eventually.TrueAsync(async () => spill.Records == 0 && (await store.CountAsync(Cancel)).MotionBatches == published, Patience,
            $"all {published} batches stored and the spill drained: {telemetry}; {spill.Records} records still spilled");
        var series = await store.ReadMotionAsync(motion.DeviceId, motion.StartMicros, long.MaxValue, Cancel);
        Assert.True(motion.Samples(published).SequenceEqual(series.Samples), motion.Describe(series, published));
        // Batches sent right after the restart may spill too, while the circuit waits out its break.
        Assert.Equal(telemetry.Totals.Spilled, telemetry.Totals.Drained);
        Assert.True(telemetry.Totals.Spilled >= sentDuringOutage, telemetry.ToString());
        Assert.Equal(CircuitState.Closed, circuit.CircuitState);
        Assert.Empty(Directory.GetFiles(spill.Folder));
        output.WriteLine(telemetry.ToString());
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task ASpillLeftByAnIngestThatStoppedDuringAnOutage_IsDrainedByTheNextIngestOnceTheStoreIsBack()
    {
        const int Total = 40;
        var motion = new SequencedMotion("club-restart");
        await EnsureInfluxRunningAsync();
        await influx.Server.StopAsync();
        await using var publisher = await ConnectPublisherAsync();
        using (var first = await StartIngestAsync())
        {
            for (var i = 0; i < Total; i++)
            {
                await publisher.PublishAsync(motion.Topic, motion.Payload(i), false, Cancel);
            }

            var telemetry = first.Services.GetRequiredService<IngestTelemetry>();
            await Eventually.TrueAsync(() => telemetry.Totals.Spilled == Total, Patience, $"every batch spilled while influxd is down: {telemetry}");
            await first.StopAsync(Cancel);
        }

        await influx.Server.RestartAsync(Cancel);
        using var second = await StartIngestAsync();
        var store = second.Services.GetRequiredService<ITelemetryStore>();
        var secondTelemetry = second.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches == Total, Patience, $"the spill drained into the store: {secondTelemetry}");
        var series = await store.ReadMotionAsync(motion.DeviceId, motion.StartMicros, long.MaxValue, Cancel);
        Assert.True(motion.Samples(Total).SequenceEqual(series.Samples), motion.Describe(series, Total));
        await Eventually.TrueAsync(() => second.Services.GetRequiredService<SpillBuffer>().Records == 0, Patience, "the drained segment deleted");
        Assert.Equal(Total, secondTelemetry.Totals.Drained);
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task WhenTheSpillIsFull_IngestStopsAcknowledging_AndTheBrokerKeepsTheRestUntilTheStoreReturns()
    {
        const int Total = 200;
        var motion = new SequencedMotion("club-full");
        await EnsureInfluxRunningAsync();
        await influx.Server.StopAsync();
        await using var publisher = await ConnectPublisherAsync();
        using var host = await StartIngestAsync(("Ingest:SpillMaxBytes", "4096"), ("Ingest:SpillSegmentBytes", "4096"));
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var unacknowledged = host.Services.GetRequiredService<UnacknowledgedMessages>();
        for (var i = 0; i < Total; i++)
        {
            await publisher.PublishAsync(motion.Topic, motion.Payload(i), false, Cancel);
        }

        await Eventually.TrueAsync(() => telemetry.Totals.Spilled > 0 && telemetry.Totals.Spilled + unacknowledged.Count == Total, Patience,
            $"the spill filled and ingest holds the rest unacknowledged: {telemetry}, {unacknowledged.Count} unacknowledged");
        Assert.True(telemetry.Totals.Spilled < Total, $"only what fits in 4096 bytes is spilled: {telemetry}");
        Assert.InRange(host.Services.GetRequiredService<SpillBuffer>().Bytes, 1, 4096);

        await influx.Server.RestartAsync(Cancel);
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches == Total && unacknowledged.Count == 0, Patience,
            $"every batch stored once the store returns: {telemetry}, {unacknowledged.Count} unacknowledged");
        var series = await store.ReadMotionAsync(motion.DeviceId, motion.StartMicros, long.MaxValue, Cancel);
        Assert.True(motion.Samples(Total).SequenceEqual(series.Samples), motion.Describe(series, Total));
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task InfluxKilledMidStream_AndRestarted_TheStoreEndsWithEverySampleOnce()
    {
        var fleet = Fleet("club-influx-killed");
        await EnsureInfluxRunningAsync();
        using var host = await StartIngestAsync();
        await using var publisher = await ConnectPublisherAsync();
        var telemetry = host.Services.GetRequiredService<IngestTelemetry>();
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        long published = 0;
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(20));

        async Task PublishRoundAsync()
        {
            foreach (var device in fleet)
            {
                await publisher.PublishAsync(device.Topic, device.Payload(published), false, Cancel);
            }

            published++;
        }

        while (telemetry.Totals.MotionBatches < 100 * fleet.Length && await pace.WaitForNextTickAsync(Cancel))
        {
            await PublishRoundAsync();
        }

        // SIGKILL while writes are in flight: a write influxd applied but never answered is written again, which the
        // store's idempotent point identity turns into an overwrite, not a duplicate.
        await influx.Server.KillAsync();
        var killedAt = published;
        var outage = Stopwatch.StartNew();
        while (outage.Elapsed < TimeSpan.FromSeconds(10) && await pace.WaitForNextTickAsync(Cancel))
        {
            await PublishRoundAsync();
        }

        await influx.Server.RestartAsync(Cancel);
        for (var i = 0; i < 100; i++)
        {
            await PublishRoundAsync();
        }

        await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches >= published * fleet.Length, Patience,
            $"all {published * fleet.Length} batches stored after influxd came back: {telemetry}");
        output.WriteLine($"influxd killed after {killedAt} batches a device, {published} published a device in all: {telemetry}");
        await AssertStoredOnceAsync(store, fleet, published, "influxd SIGKILLed mid-stream and restarted");
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task IngestKilledWhileDrainingItsSpill_AndRestarted_TheStoreEndsWithEverySampleOnce()
    {
        const int PerDevice = 1000;
        var fleet = Fleet("club-drain-killed");
        await EnsureInfluxRunningAsync();
        await influx.Server.StopAsync();
        await using var publisher = await ConnectPublisherAsync();
        using (var first = ComponentProcess.Start(typeof(IngestService).Assembly, ProcessArguments()))
        {
            await Eventually.TrueAsync(() => first.HasExited || first.RecentLog.Contains("subscribed", StringComparison.Ordinal), Patience, "the first ingest subscribes");
            for (var sequence = 0; sequence < PerDevice; sequence++)
            {
                foreach (var device in fleet)
                {
                    await publisher.PublishAsync(device.Topic, device.Payload(sequence), false, Cancel);
                }
            }

            // Ingest acknowledges a message once it is fsynced into the spill: when the broker holds nothing
            // unacknowledged, every batch is in the spill and none in the store.
            Assert.True(await broker.Broker.WaitForDeliveryAsync(Patience, Cancel), $"ingest acknowledged every batch into its spill:\n{first.RecentLog}");
            await influx.Server.RestartAsync(Cancel);
            await using var reader = await InfluxTelemetryStore.OpenAsync(ReaderOptions(), cancellationToken: Cancel);
            long storedAtKill = 0;
            await Eventually.TrueAsync(async () => first.HasExited || (storedAtKill = (await reader.CountAsync(Cancel)).MotionBatches) > 0, Patience,
                $"the drain starts once influxd is back:\n{first.RecentLog}");
            await first.KillAsync();
            storedAtKill = (await reader.CountAsync(Cancel)).MotionBatches;
            output.WriteLine($"ingest killed mid-drain with {storedAtKill} of {PerDevice * fleet.Length} batches stored");
            Assert.True(storedAtKill < PerDevice * fleet.Length, "the kill came mid-drain");
        }

        using var second = ComponentProcess.Start(typeof(IngestService).Assembly, ProcessArguments());
        await using var store = await InfluxTelemetryStore.OpenAsync(ReaderOptions(), cancellationToken: Cancel);
        await Eventually.TrueAsync(async () => second.HasExited || (await store.CountAsync(Cancel)).MotionBatches == PerDevice * fleet.Length, Patience,
            $"the restarted ingest drains what the killed one left:\n{second.RecentLog}");
        Assert.False(second.HasExited, second.RecentLog);
        await Eventually.TrueAsync(() => second.HasExited || !Directory.EnumerateFiles(_data.Combine("spill")).Any(), Patience, () => $"the drained spill deleted:\n{second.RecentLog}");
        await AssertStoredOnceAsync(store, fleet, PerDevice, "ingest SIGKILLed while draining its spill, then restarted");
    }

    private static CancellationToken Cancel => CancellationToken.None;

    private static SequencedMotion[] Fleet(string prefix) => [.. Enumerable.Range(1, 3).Select(i => new SequencedMotion($"{prefix}-{i}"))];

    private async Task AssertStoredOnceAsync(ITelemetryStore store, SequencedMotion[] fleet, long perDevice, string scenario)
    {
        var account = new DeliveryAccount(scenario);
        foreach (var device in fleet)
        {
            account.Add(device.DeviceId, device.SampleTimes(perDevice), (await store.ReadMotionAsync(device.DeviceId, device.StartMicros, long.MaxValue, Cancel)).TimestampsMicros);
        }

        account.AssertNothingLostOrDuplicated(output.WriteLine);
    }

    private InfluxOptions ReaderOptions() => new() { Url = influx.Server.Url, Database = _database, BlobFolder = _data.Combine("blobs") };

    /// <summary>The real ingest executable's settings: the same store and timings as <see cref="StartIngestAsync"/>, small drain batches and spill segments so a drain takes long enough to be killed in.</summary>
    private string[] ProcessArguments() =>
    [
        "--broker", $"{broker.Broker.Host}:{broker.Broker.Port}",
        "--Ingest:DataFolder", _data.Path,
        "--Ingest:ClientId", _clientId,
        "--Ingest:BatchSize", "20",
        "--Ingest:SpillSegmentBytes", "4096",
        "--Ingest:StoreRetryBaseDelay", "00:00:00.050",
        "--Ingest:StoreRetryMaxDelay", "00:00:00.200",
        "--Ingest:StoreCircuitBreak", "00:00:01",
        "--Store:Backend", StoreBackendOptions.Influx,
        "--Influx:Url", influx.Server.Url.ToString(),
        "--Influx:Database", _database,
        "--Influx:RequestTimeout", "00:00:05",
    ];

    private async Task EnsureInfluxRunningAsync()
    {
        // A test that failed mid-outage may have left influxd stopped for the next one.
        if (!influx.Server.IsRunning)
        {
            await influx.Server.RestartAsync(Cancel);
        }
    }

    private async Task<IHost> StartIngestAsync(params (string Key, string Value)[] settings)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["Broker:Host"] = broker.Broker.ToOptions().Host,
            ["Broker:Port"] = broker.Broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:DataFolder"] = _data.Path,
            ["Ingest:ClientId"] = _clientId,
            // Short timings keep the test short; the defaults suit a real deployment.
            ["Ingest:StoreRetryBaseDelay"] = "00:00:00.050",
            ["Ingest:StoreRetryMaxDelay"] = "00:00:00.200",
            ["Ingest:StoreCircuitBreak"] = "00:00:01",
            ["Ingest:StoreAttemptTimeout"] = "00:00:05",
            ["Store:Backend"] = StoreBackendOptions.Influx,
            ["Influx:Url"] = influx.Server.Url.ToString(),
            ["Influx:Database"] = _database,
            ["Influx:RequestTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in settings)
        {
            overrides[key] = value;
        }

        var builder = ServiceDefaults.CreateBuilder([], overrides);
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
        builder.Services.AddIngest(builder.Configuration);
        var host = builder.Build();
        return await IngestHosts.StartSubscribedAsync(host, Patience, Cancel);
    }

    private async Task<MqttConnection> ConnectPublisherAsync()
    {
        var connection = new MqttConnectionFactory(broker.Broker.ToOptions(), TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning)).Create($"publisher-{Guid.NewGuid():N}");
        await connection.ConnectAsync(Cancel).WaitAsync(Patience);
        return connection;
    }
}
