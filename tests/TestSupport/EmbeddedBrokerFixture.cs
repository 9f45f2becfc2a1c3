using Xunit;

using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.TestSupport;

/// <summary>One in-process MQTTnet broker per test class, on a free loopback port.</summary>
public sealed class EmbeddedBrokerFixture : IAsyncLifetime
{
    private EmbeddedBroker? _broker;

    public EmbeddedBroker Broker => _broker ?? throw new InvalidOperationException("the embedded broker fixture has not started");

    public async Task InitializeAsync() => _broker = await EmbeddedBroker.StartAsync(0, NullLogger.Instance, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
