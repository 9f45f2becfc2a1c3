namespace Pipeline.Hosting.Mqtt;

/// <summary>The broker answered a QoS 1 publish with a failure reason (e.g. not authorised).</summary>
public sealed class MqttPublishException : Exception
{
    public MqttPublishException(string message) : base(message) { }

    public MqttPublishException() { }

    public MqttPublishException(string message, Exception inner) : base(message, inner) { }
}
