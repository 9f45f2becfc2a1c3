using System.Threading.Channels;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class MosquittoConnectionTests(ITestOutputHelper output) : MqttConnectionContract(output)
{
    private MosquittoBroker? _broker;

    protected override BrokerOptions Broker => _broker!.ToOptions();

    public override async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _broker!.DisposeAsync();
    }

    [Fact]
    [Trait("Category", "Faults")]
    public async Task BrokerRestart_ReconnectsAndPublishesAgain_WithoutLosingTheSubscription()
    {
        var received = Channel.CreateBounded<byte>(10);
        var subscriber = await ConnectAsync("sub");
        await subscriber.SubscribeAsync("restart/x", (m, ct) => received.Writer.WriteAsync(m.Payload[0], ct).AsTask(), Cancel());
        var publisher = await ConnectAsync("pub");
        await publisher.PublishAsync("restart/x", new byte[] { 1 }, retain: false, Cancel());
        Assert.Equal(1, await received.Reader.ReadAsync(Cancel()));

        await _broker!.RestartAsync();
        await publisher.PublishAsync("restart/x", new byte[] { 2 }, retain: false, Cancel());

        Assert.Equal(2, await received.Reader.ReadAsync(Cancel()));
    }
}
