using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class EmbeddedBrokerTlsTests(ITestOutputHelper output) : BrokerTlsContract(output)
{
    private EmbeddedBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    protected override async Task StartBrokerAsync(BrokerCertificates certificates) =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { TlsCertificate = certificates.LoadServerCertificate() }, Logs.CreateLogger("broker"), CancellationToken.None);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
