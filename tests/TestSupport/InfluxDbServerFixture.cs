using Xunit;

namespace Pipeline.TestSupport;

/// <summary>One influxd per test class: <c>class MyTests(InfluxDbServerFixture influx) : IClassFixture&lt;InfluxDbServerFixture&gt;</c>.</summary>
public sealed class InfluxDbServerFixture : IAsyncLifetime
{
    private InfluxDbServer? _server;

    public InfluxDbServer Server => _server ?? throw new InvalidOperationException("the influxd fixture has not started");

    public async Task InitializeAsync() => _server = await InfluxDbServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
