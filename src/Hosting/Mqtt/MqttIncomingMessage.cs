namespace Pipeline.Hosting.Mqtt;

/// <summary>A received application message; the payload array belongs to this message alone (nothing else writes to it), and the receiver owns it.</summary>
public sealed record MqttIncomingMessage(string Topic, byte[] Payload, bool Retain);
