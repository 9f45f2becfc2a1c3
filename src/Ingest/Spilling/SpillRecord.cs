namespace Pipeline.Ingest.Spilling;

/// <summary>One MQTT message as it arrived (topic and payload), kept on disk while the store is down.</summary>
public sealed record SpillRecord(string Topic, byte[] Payload);
