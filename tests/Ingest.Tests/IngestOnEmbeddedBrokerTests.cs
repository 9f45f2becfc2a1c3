using Microsoft.Extensions.DependencyInjection;
using Pipeline.Hosting.Mqtt;
using Pipeline.Storage;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests;

public sealed class IngestOnEmbeddedBrokerTests(EmbeddedBrokerFixture broker, ITestOutputHelper output)
    : IngestContract(output), IClassFixture<EmbeddedBrokerFixture>
{
    protected override BrokerOptions Broker => broker.Broker.ToOptions();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task StoreAndSpillOnAFullDisk_HoldMessagesForTheBroker_AndStoreEverySampleOnceThereIsRoom()
    {
        using var disk = TmpfsMount.Create(kibibytes: 256);
        using var host = await StartIngestAsync(("Ingest:DataFolder", disk.Path), ("Ingest:SpillSegmentBytes", "65536"));
        await using var publisher = await ConnectPublisherAsync();

        // About 1.2 MB of motion records onto a 256 KiB disk: the store fills it, then the spill finds no room either.
        await PublishFleetAsync(publisher, "club-disk");
        await Eventually.TrueAsync(() => disk.AvailableBytes < 16 * 1024, TimeSpan.FromSeconds(60), "the disk fills up");
        var store = host.Services.GetRequiredService<ITelemetryStore>();
        Assert.True((await store.CountAsync(Cancel)).MotionBatches < FleetDevices * FleetBatchesPerDevice, "everything fit on the small disk");
        Assert.False(host.Services.GetRequiredService<IngestService>().ExecuteTask!.IsCompleted, "ingest stopped on a full disk");

        disk.Grow(kibibytes: 64 * 1024);

        await AssertFleetStoredOnceAsync(host, "club-disk", "ingest's store and spill on a full disk, then given room");
    }
}
