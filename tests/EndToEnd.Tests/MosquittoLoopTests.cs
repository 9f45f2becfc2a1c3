using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>The loop against Debian's mosquitto, started on a free loopback port; fails if mosquitto is missing.</summary>
public sealed class MosquittoLoopTests(ITestOutputHelper output) : WholeLoopContract(output), IAsyncLifetime
{
    private MosquittoBroker? _broker;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    protected override Task<string?> BrokerAsync() => Task.FromResult<string?>($"{_broker!.Host}:{_broker.Port}");
}
