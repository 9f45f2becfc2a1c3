using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class MosquittoAccessTests(ITestOutputHelper output) : BrokerAccessContract(output)
{
    private MosquittoBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(string accessFolder) => _broker = await MosquittoBroker.StartAsync(accessFolder: accessFolder);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    protected override Task ReloadAsync() => _broker!.RestartAsync();
}
