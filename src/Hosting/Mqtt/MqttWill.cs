namespace Pipeline.Hosting.Mqtt;

/// <summary>The message the broker publishes (retained, QoS 1) when this client disappears without disconnecting.</summary>
public sealed record MqttWill(string Topic, byte[] Payload);
