using System.Collections.Concurrent;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Status;

/// <summary>The latest status each device reported (by its own timestamp, so a late redelivery does not roll it back).</summary>
public sealed class DeviceStatusBoard
{
    private readonly ConcurrentDictionary<string, DeviceStatus> _latest = new(StringComparer.Ordinal);

    public void Update(DeviceStatus status) =>
        _latest.AddOrUpdate(status.DeviceId, status, (_, current) => status.TimestampMicros >= current.TimestampMicros ? status : current);

    public bool TryGet(string deviceId, out DeviceStatus? status) => _latest.TryGetValue(deviceId, out status);

    /// <summary>A copy of every device's latest status, keyed by device id.</summary>
    public IReadOnlyDictionary<string, DeviceStatus> Snapshot() => new Dictionary<string, DeviceStatus>(_latest, StringComparer.Ordinal);
}
