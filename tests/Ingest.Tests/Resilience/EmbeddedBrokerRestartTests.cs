using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Storage;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests.Resilience;

/// <summary>
/// The embedded broker stopped and started again on the same port and state folder under a fleet of devices and
/// ingest. Each device publishes its batches in sequence and holds each until the broker acknowledges it, as the edge
/// outbox does.
/// </summary>
public sealed class EmbeddedBrokerRestartTests(ITestOutputHelper output) : IAsyncDisposable
{
    private const int PerDevice = 1500;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TemporaryFolder _data = new("broker-restart");
    private readonly int _port = EmbeddedBroker.FreeLoopbackPort();
    private readonly string _ingestClientId = $"ingest-{Guid.NewGuid():N}";
    private readonly ILoggerFactory _loggers = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private EmbeddedBroker? _broker;

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _loggers.Dispose();
        _data.Dispose();
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task BrokerRestartedMidStream_EverySampleIsStoredOnce()
    {
        var fleet = Fleet("club-broker-restart");
        await StartBrokerAsync();
        using var ingest = await StartIngestAsync();
        var store = ingest.Services.GetRequiredService<ITelemetryStore>();
        var publishing = PublishAsync(fleet);

        await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches >= 300 || publishing.IsFaulted, Patience, "ingest stores some batches");
        Assert.True(await _broker!.StopAsync(Patience, Cancel), "the broker delivered everything it acknowledged before it stopped");
        await _broker.DisposeAsync();
        await StartBrokerAsync();

        await publishing;
        await AssertStoredOnceAsync(store, fleet, "the embedded broker restarted mid-stream");
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task BrokerRestartedWhileIngestIsAway_HoldsDevicesBackUntilIngestSubscribesAgain_AndNothingIsLost()
    {
        var fleet = Fleet("club-away");
        await StartBrokerAsync();
        // Ingest subscribes once and leaves; its persistent session is all that remembers it.
        using (var first = await StartIngestAsync())
        {
            await first.StopAsync(Cancel);
        }

        await _broker!.StopAsync(Patience, Cancel);
        await _broker.DisposeAsync();
        await StartBrokerAsync();

        // The devices reconnect before ingest does: a forgetful broker would acknowledge their batches to nobody.
        var publishing = PublishAsync(fleet);
        await Eventually.TrueAsync(() => _broker.HeldBackPublishes > 0 || publishing.IsCompleted, Patience, "the devices publish into the restarted broker");
        Assert.False(publishing.IsCompleted, "the devices were held back while ingest was away");

        using var ingest = await StartIngestAsync();
        await publishing;
        await AssertStoredOnceAsync(ingest.Services.GetRequiredService<ITelemetryStore>(), fleet, "the embedded broker restarted while ingest was away");
    }

    private static CancellationToken Cancel => CancellationToken.None;

    private static SequencedMotion[] Fleet(string prefix) => [.. Enumerable.Range(1, 3).Select(i => new SequencedMotion($"{prefix}-{i}"))];

    private async Task StartBrokerAsync() =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { Port = _port, StateFolder = _data.Combine("broker") }, _loggers.CreateLogger("broker"), Cancel);

    private BrokerOptions BrokerOptions => new() { Host = "127.0.0.1", Port = _port };

    /// <summary>Each device on its own connection, publishing its batches in order, each held until acknowledged (through reconnections).</summary>
    private Task PublishAsync(SequencedMotion[] fleet) => Task.WhenAll(fleet.Select(device => Task.Run(async () =>
    {
        await using var connection = new MqttConnectionFactory(BrokerOptions, _loggers).Create($"edge-{device.DeviceId}");
        await connection.ConnectAsync(Cancel).WaitAsync(Patience);
        for (var sequence = 0; sequence < PerDevice; sequence++)
        {
            await connection.PublishAsync(device.Topic, device.Payload(sequence), false, Cancel);
        }
    })));

    private async Task<IHost> StartIngestAsync()
    {
        var builder = ServiceDefaults.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Broker:Host"] = BrokerOptions.Host,
            ["Broker:Port"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:DataFolder"] = _data.Combine("ingest"),
            ["Ingest:ClientId"] = _ingestClientId,
        });
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output, LogLevel.Warning));
        builder.Services.AddIngest(builder.Configuration);
        var host = builder.Build();
        return await IngestHosts.StartSubscribedAsync(host, Patience, Cancel);
    }

    private async Task AssertStoredOnceAsync(ITelemetryStore store, SequencedMotion[] fleet, string scenario)
    {
        var account = new DeliveryAccount(scenario);
        try
        {
            await Eventually.TrueAsync(async () => (await store.CountAsync(Cancel)).MotionBatches >= PerDevice * fleet.Length, Patience, $"all {PerDevice * fleet.Length} batches stored");
        }
        finally
        {
            foreach (var device in fleet)
            {
                account.Add(device.DeviceId, device.SampleTimes(PerDevice), (await store.ReadMotionAsync(device.DeviceId, device.StartMicros, long.MaxValue, Cancel)).TimestampsMicros);
            }

            output.WriteLine(account.Table());
        }

        account.AssertNothingLostOrDuplicated(_ => { });
    }
}
