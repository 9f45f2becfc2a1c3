using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Hosting.Mqtt;

/// <summary>Creates connections to the configured broker, so components never read broker options themselves.</summary>
public sealed class MqttConnectionFactory(IOptions<BrokerOptions> options, ILoggerFactory loggers)
{
    public BrokerOptions Broker => options.Value;

    public MqttConnection Create(string clientId, MqttWill? will = null) =>
        new(options.Value, clientId, loggers.CreateLogger($"Mqtt.{clientId}"), will);
}
