namespace Pipeline.Protocol;

/// <summary>
/// A device's retained status. The agent registers an "offline" status as its MQTT last will, so the
/// broker publishes it if the agent vanishes without saying goodbye.
/// </summary>
public sealed record DeviceStatus(
    string DeviceId,
    string Task,
    DeviceState State,
    long TimestampMicros,
    int OutboxDepth,
    int? ModelVersion = null,
    string? Message = null);

public enum DeviceState
{
    Online,
    Offline,
}
