using Xunit;

namespace Pipeline.TestSupport;

/// <summary>One mosquitto per test class: <c>class MyTests(MosquittoBrokerFixture broker) : IClassFixture&lt;MosquittoBrokerFixture&gt;</c>.</summary>
public sealed class MosquittoBrokerFixture : IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public MosquittoBroker Broker => _broker ?? throw new InvalidOperationException("the mosquitto fixture has not started");

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
