using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Hosting.Access;
using Pipeline.Hosting.Observability;

namespace Pipeline.Hosting.Mqtt;

/// <summary>
/// Creates every MQTT connection of the code base from the broker options, so each one carries the same transport
/// (TLS with the configured authority, the identity's client certificate), the identity's credentials, the persistent
/// session and the buffer sizes, and components never read broker options themselves.
/// </summary>
public sealed class MqttConnectionFactory
{
    private readonly ILoggerFactory _loggers;
    private readonly MqttTelemetry _telemetry;

    public MqttConnectionFactory(IOptions<BrokerOptions> options, ILoggerFactory loggers, MqttTelemetry telemetry)
        : this(options.Value, loggers, telemetry)
    {
    }

    public MqttConnectionFactory(IOptions<BrokerOptions> options, ILoggerFactory loggers)
        : this(options.Value, loggers)
    {
    }

    /// <param name="telemetry">Where the connections are counted and listed (for metrics and the broker health check); none outside a host.</param>
    public MqttConnectionFactory(BrokerOptions broker, ILoggerFactory loggers, MqttTelemetry? telemetry = null)
    {
        Broker = broker;
        _loggers = loggers;
        _telemetry = telemetry ?? MqttTelemetry.Unexported;
    }

    public BrokerOptions Broker { get; }

    /// <summary>
    /// A connection for <paramref name="clientId"/>, not yet connected. <paramref name="receiveMaximum"/> is the MQTT 5
    /// receive maximum: how many unacknowledged QoS 1 messages the broker may have in flight to this client (0 leaves
    /// the broker's default); it matters for manually acknowledged subscriptions.
    /// </summary>
    public MqttConnection Create(string clientId, MqttWill? will = null, ushort receiveMaximum = 0)
    {
        // The username is always the client id: that is how brokers bind a session to an identity.
        var secret = Broker.SecretFor(clientId);
        var authority = Broker.CaCertificate.Length > 0 ? BrokerCertificates.LoadAuthority(Broker.CaCertificate) : null;
        var clientCertificate = authority is null ? null : Broker.ClientCertificateFor(clientId);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Broker.Host, Broker.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)Broker.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(Broker.KeepAlive)
            .WithMaximumPacketSize((uint)Broker.MaxPacketBytes)
            .WithTimeout(Broker.ResponseTimeout);
        if (secret is not null)
        {
            builder = builder.WithCredentials(clientId, secret);
        }

        if (authority is not null)
        {
            builder = builder.WithTlsOptions(tls =>
            {
                // The only authority the broker's certificate may chain to; the client certificate is for brokers that require one.
                tls.UseTls().WithTargetHost(Broker.Host)
                    .WithCertificateValidationHandler(check => BrokerCertificates.ValidateServer(check.Certificate, check.SslPolicyErrors, authority));
                if (clientCertificate is not null)
                {
                    tls.WithClientCertificates([clientCertificate]);
                }
            });
        }

        if (receiveMaximum > 0)
        {
            builder = builder.WithReceiveMaximum(receiveMaximum);
        }

        if (will is not null)
        {
            builder = builder.WithWillTopic(will.Topic).WithWillPayload(will.Payload)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithWillRetain(true);
        }

        var options = builder.Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = Broker.SocketBufferBytes;
        return new MqttConnection(new MqttClientFactory().CreateMqttClient(new BufferedClientAdapterFactory()), options, Broker, _loggers.CreateLogger($"Mqtt.{clientId}"), [authority, clientCertificate], _telemetry);
    }
}
