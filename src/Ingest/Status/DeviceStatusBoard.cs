using System.Collections.Concurrent;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Status;

/// <summary>The latest status of every device ingest has heard from (newest timestamp wins).</summary>
public sealed class DeviceStatusBoard
{
    private readonly ConcurrentDictionary<string, DeviceStatus> _latest = new(StringComparer.Ordinal);
    private long _changes;

    /// <summary>Counts the updates so far: a reader that saw the same count has nothing new to write.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    public void Update(DeviceStatus status)
    {
        _latest.AddOrUpdate(status.DeviceId, status, (_, current) => status.TimestampMicros >= current.TimestampMicros ? status : current);
        Interlocked.Increment(ref _changes);
    }

    public bool TryGet(string deviceId, out DeviceStatus? status) => _latest.TryGetValue(deviceId, out status);

    /// <summary>A copy of every device's latest status, keyed by device id.</summary>
    public IReadOnlyDictionary<string, DeviceStatus> Snapshot() => new Dictionary<string, DeviceStatus>(_latest, StringComparer.Ordinal);
}
