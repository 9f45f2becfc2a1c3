namespace Pipeline.Hosting.Mqtt;

/// <summary>A received application message; the payload is copied out of the client's buffers and owned by the receiver.</summary>
public sealed record MqttIncomingMessage(string Topic, byte[] Payload, bool Retain);
