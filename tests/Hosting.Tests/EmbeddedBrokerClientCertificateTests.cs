using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Mqtt;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

public sealed class EmbeddedBrokerClientCertificateTests(ITestOutputHelper output) : BrokerClientCertificateContract(output)
{
    private EmbeddedBroker? _broker;

    protected override string Host => _broker!.Host;

    protected override int Port => _broker!.Port;

    [Fact]
    public async Task AnotherIdentitysCertificate_IsRefused()
    {
        using var credentials = CredentialsOf(Device, certificateFrom: OtherDevice);

        await AssertRefusedAsync(credentials.Path, Device);
    }

    protected override async Task StartBrokerAsync(string accessFolder, BrokerCertificates certificates) =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings
        {
            TlsCertificate = certificates.LoadServerCertificate(),
            ClientAuthority = BrokerCertificates.LoadAuthority(certificates.CaPath),
            IdentitiesPath = Path.Combine(accessFolder, IdentityStore.FileName),
        }, Logs.CreateLogger("broker"), CancellationToken.None);

    protected override async Task StopBrokerAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}
