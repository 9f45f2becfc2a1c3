using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

public sealed class MosquittoSessionTakeoverTests : SessionTakeoverContract
{
    private MosquittoBroker? _broker;

    protected override BrokerOptions Broker => _broker!.ToOptions();

    public override async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _broker!.DisposeAsync();
    }
}
