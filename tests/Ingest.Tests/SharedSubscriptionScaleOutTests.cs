using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Observability;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Storage.Embedded;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests;

/// <summary>Several ingest instances split the traffic through an MQTT 5 shared subscription on mosquitto.</summary>
public sealed class SharedSubscriptionScaleOutTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TemporaryFolder _data = new("ingest-shared");
    private MosquittoBroker? _broker;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await _broker!.DisposeAsync();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task TwoInstancesInOneGroup_ShareTheMessages_AndStoreEachOnce()
    {
        // The two instances stand for two processes writing to one shared store (InfluxDB in production).
        await using var store = EmbeddedTelemetryStore.Open(_data.Combine("store"));
        using var first = await StartIngestAsync("ingest-a", store);
        using var second = await StartIngestAsync("ingest-b", store);
        await using var publisher = new MqttConnectionFactory(_broker!.ToOptions(), TestOutputLoggerProvider.CreateFactory(output, LogLevel.Warning)).Create("publisher");
        await publisher.ConnectAsync(CancellationToken.None);
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1000;
        const int batches = 200;

        for (var i = 0; i < batches; i++)
        {
            var batch = new MotionBatch($"club-{i % 4}", 1, (ulong)(i / 4), t0 + i * 100_000L, 500f, new float[50 * MotionChannels.Count]);
            await publisher.PublishAsync(Topics.Motion("local", batch.DeviceId), MotionBatchCodec.Encode(batch), false, CancellationToken.None);
        }

        var a = first.Services.GetRequiredService<IngestTelemetry>();
        var b = second.Services.GetRequiredService<IngestTelemetry>();
        await Eventually.TrueAsync(() => a.Totals.MotionBatches + b.Totals.MotionBatches + a.Totals.Duplicates + b.Totals.Duplicates >= batches, Patience, $"all batches handled: a {a}, b {b}");

        Assert.True(a.Totals.MotionBatches > 0 && b.Totals.MotionBatches > 0, $"both instances take a share: a {a.Totals.MotionBatches}, b {b.Totals.MotionBatches}");
        Assert.Equal(batches, a.Totals.MotionBatches + b.Totals.MotionBatches);
        Assert.Equal(0, a.Totals.Duplicates + b.Totals.Duplicates);
        Assert.Equal(batches, (await store.CountAsync(CancellationToken.None)).MotionBatches);
    }

    private async Task<IHost> StartIngestAsync(string clientId, ITelemetryStore store)
    {
        var builder = ServiceDefaults.CreateBuilder([],
        [
            new("Broker:Host", _broker!.Host),
            new("Broker:Port", _broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("Ingest:DataFolder", _data.Path),
            new("Ingest:ClientId", clientId),
            new("Ingest:SharedSubscriptionGroup", "ingest"),
        ]);
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output, LogLevel.Information));
        builder.Services.AddSingleton(store);
        builder.Services.AddIngest(builder.Configuration);
        var host = builder.Build();
        return await IngestHosts.StartSubscribedAsync(host, Patience);
    }
}
