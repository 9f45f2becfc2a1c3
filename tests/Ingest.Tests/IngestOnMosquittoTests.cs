using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Ingest.Tests;

public sealed class IngestOnMosquittoTests(MosquittoBrokerFixture broker, ITestOutputHelper output)
    : IngestContract(output), IClassFixture<MosquittoBrokerFixture>
{
    protected override BrokerOptions Broker => broker.Broker.ToOptions();

    [Fact]
    [Trait("Category", "Faults")]
    public async Task MosquittoRestartedWhileIngestIsDown_KeepsEveryQueuedSample()
    {
        await using var publisher = await ConnectPublisherAsync();
        using (var first = await StartIngestAsync())
        {
            await first.StopAsync(Cancel);
        }

        await PublishFleetAsync(publisher, "club-r");
        await broker.Broker.RestartAsync();

        using var host = await StartIngestAsync();
        await AssertFleetStoredOnceAsync(host, "club-r", $"mosquitto stopped (SIGTERM) and restarted while {FleetDevices * FleetBatchesPerDevice} batches waited for ingest");
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task MosquittoKilledWhileIngestIsDown_KeepsEverySampleItSavedBeforeTheKill()
    {
        await using var publisher = await ConnectPublisherAsync();
        using (var first = await StartIngestAsync())
        {
            await first.StopAsync(Cancel);
        }

        await PublishFleetAsync(publisher, "club-k");
        // The shipped configuration saves the database every second; wait for the first save after the last PUBACK.
        var acknowledged = DateTime.UtcNow;
        await Eventually.TrueAsync(() => broker.Broker.LastSavedUtc > acknowledged, TimeSpan.FromSeconds(10), "mosquitto saves its database after the last publish");
        await broker.Broker.KillAsync();
        await broker.Broker.RestartAsync();

        using var host = await StartIngestAsync();
        await AssertFleetStoredOnceAsync(host, "club-k", $"mosquitto killed (SIGKILL) and restarted while {FleetDevices * FleetBatchesPerDevice} batches waited for ingest");
    }
}
