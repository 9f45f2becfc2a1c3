using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class EmbeddedBrokerConnectionTests(ITestOutputHelper output) : MqttConnectionContract(output)
{
    private EmbeddedBroker? _broker;

    protected override BrokerOptions Broker => _broker!.ToOptions();

    public override async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(0, Logs.CreateLogger("broker"), CancellationToken.None);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _broker!.DisposeAsync();
    }
}
