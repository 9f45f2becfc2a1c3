using Pipeline.Hosting.Access;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class MosquittoTlsTests(ITestOutputHelper output) : BrokerTlsContract(output)
{
    private MosquittoBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(BrokerCertificates certificates) => _broker = await MosquittoBroker.StartAsync(tls: certificates);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
