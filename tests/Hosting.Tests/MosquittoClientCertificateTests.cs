using Pipeline.Hosting.Access;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class MosquittoClientCertificateTests(ITestOutputHelper output) : BrokerClientCertificateContract(output)
{
    private MosquittoBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(string accessFolder, BrokerCertificates certificates) =>
        _broker = await MosquittoBroker.StartAsync(accessFolder: accessFolder, tls: certificates, requireClientCertificates: true);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
