using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;

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
}
