using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.EndToEnd.Tests;

/// <summary>The loop with ingest writing to, and the trainer reading from, a real influxd started on a free loopback port.</summary>
public sealed class InfluxStoreLoopTests(ITestOutputHelper output) : WholeLoopContract(output), IAsyncLifetime
{
    private InfluxDbServer? _influx;

    public async Task InitializeAsync() => _influx = await InfluxDbServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_influx is not null)
        {
            await _influx.DisposeAsync();
        }
    }

    protected override Task<string?> BrokerAsync() => Task.FromResult<string?>(null);

    protected override IEnumerable<KeyValuePair<string, string?>> StoreSettings() =>
    [
        new("Store:Backend", "influx"),
        new("Influx:Url", _influx!.Url.ToString()),
        new("Influx:Database", "e2e"),
    ];
}
