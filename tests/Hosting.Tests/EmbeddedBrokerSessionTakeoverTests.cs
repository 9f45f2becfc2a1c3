using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

public sealed class EmbeddedBrokerSessionTakeoverTests : SessionTakeoverContract
{
    private EmbeddedBroker? _broker;

    protected override BrokerOptions Broker => _broker!.ToOptions();

    public override async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _broker!.DisposeAsync();
    }

    [Fact]
    public async Task BrokerSaysWhy_TheOlderInstanceIsParked()
    {
        var clientId = $"twin-{Guid.NewGuid():N}";
        await using var first = NewInstance(clientId);
        await first.Connection.ConnectAsync(Cancel());
        await using var second = NewInstance(clientId);
        await second.Connection.ConnectAsync(Cancel());

        await Eventually.TrueAsync(() => first.Connection.SessionTakenOver, Patience, "the older instance is told its session was taken over");
        Assert.Contains(first.Log.Messages, m => m.Contains("0x8E", StringComparison.Ordinal));
        Assert.False(second.Connection.SessionTakenOver);
    }
}
