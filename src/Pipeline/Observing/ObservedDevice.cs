using Pipeline.Protocol;

namespace Pipeline.Runner.Observing;

/// <summary>
/// A device's latest status and when it was last heard from (a status or a prediction); null when all that was heard is
/// the status the broker retained from before the observer started.
/// </summary>
internal sealed record ObservedDevice(DeviceStatus Status, DateTimeOffset? LastHeard);
