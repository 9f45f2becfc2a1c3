using System.Security.Cryptography.X509Certificates;
using MQTTnet.Server;
using Pipeline.Hosting.Access;

namespace Pipeline.Hosting.Mqtt;

internal static class ClientCertificateRequirement
{
    /// <summary>
    /// Requires every client to present a certificate that chains to <paramref name="authority"/> (mutual TLS);
    /// a null authority leaves the listener as it is.
    /// </summary>
    public static MqttServerOptionsBuilder WithClientCertificates(this MqttServerOptionsBuilder builder, X509Certificate2? authority) =>
        authority is null ? builder : builder.WithClientCertificate((_, certificate, _, errors) => BrokerCertificates.ValidateClient(certificate, errors, authority));
}
