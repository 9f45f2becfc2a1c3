namespace Pipeline.Protocol;

/// <summary>
/// A device's retained status. The agent registers an "offline" status as its MQTT last will, so the
/// broker publishes it if the agent vanishes without saying goodbye. <see cref="FetchingVersion"/> and
/// <see cref="LastRefusal"/> let a rollout be followed: which model a device is fetching now, and the last one it
/// refused and why.
/// </summary>
public sealed record DeviceStatus(
    string DeviceId,
    string Task,
    DeviceState State,
    long TimestampMicros,
    int OutboxDepth,
    int? ModelVersion = null,
    string? Message = null,
    int? FetchingVersion = null,
    ModelRefusal? LastRefusal = null);

public enum DeviceState
{
    Online,
    Offline,
}
