using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class EmbeddedBrokerAccessTests(ITestOutputHelper output) : BrokerAccessContract(output)
{
    private EmbeddedBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(string accessFolder) =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { IdentitiesPath = Path.Combine(accessFolder, IdentityStore.FileName) },
            Logs.CreateLogger("broker"), CancellationToken.None);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    // The embedded broker looks at the identity file on every connection.
    protected override Task ReloadAsync() => Task.CompletedTask;
}
