using System.Threading.Channels;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class MosquittoAccessTests(ITestOutputHelper output) : BrokerAccessContract(output)
{
    private MosquittoBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(string accessFolder) => _broker = await MosquittoBroker.StartAsync(accessFolder: accessFolder);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    protected override Task ReloadAsync() => _broker!.RestartAsync();

    // Only mosquitto supports shared subscriptions, which is how several ingest instances split the load; its ACL
    // must let ingest read telemetry through one as well.
    [Fact]
    public async Task Ingest_ThroughASharedSubscription_ReadsTelemetry()
    {
        var ingest = await ConnectAsync("pipeline-ingest");
        var received = Channel.CreateUnbounded<string>();
        await ingest.SubscribeAsync(Topics.Shared("ingest", Topics.AllDevices(TelemetryStream.Motion)), (m, ct) => received.Writer.WriteAsync(m.Topic, ct).AsTask(), CancellationToken.None);
        var club2 = await ConnectAsync(Club2);

        await club2.PublishAsync(Topics.Motion("local", "club-2"), new byte[] { 1 }, retain: false, CancellationToken.None);

        Assert.Equal(Topics.Motion("local", "club-2"), await received.Reader.ReadAsync(new CancellationTokenSource(Patience).Token));
    }
}
