using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Hosting.Access;

namespace Pipeline.Ingest.Admission;

/// <summary>
/// Which devices ingest takes telemetry from. With <see cref="IngestOptions.IdentitiesPath"/> set, only devices
/// registered there as device identities (site and device id): anything else is refused before it can create a store
/// series, a folder or a file handle, even when the broker in front admits it (an open broker, or one whose rules
/// lag). The file is re-read when it changes, looked at most once a second, so `pipeline devices add` and `revoke`
/// take effect on a running ingest. Unset, every device is admitted and the broker's rules are the only gate.
/// A file that cannot be read keeps the last list that could; if none ever could, nobody is admitted.
/// </summary>
internal sealed class DeviceAdmission
{
    private static readonly TimeSpan ReloadCheckInterval = TimeSpan.FromSeconds(1);

    private readonly string? _path;
    private readonly TimeProvider _time;
    private readonly ILogger<DeviceAdmission> _logger;
    private readonly Lock _gate = new();
    private FrozenSet<(string Site, string DeviceId)> _admitted = FrozenSet<(string, string)>.Empty;
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private long _nextCheck;

    public DeviceAdmission(IOptions<IngestOptions> options, TimeProvider time, ILogger<DeviceAdmission> logger)
    {
        _path = string.IsNullOrWhiteSpace(options.Value.IdentitiesPath) ? null : Path.GetFullPath(options.Value.IdentitiesPath);
        _time = time;
        _logger = logger;
        if (_path is not null)
        {
            Reload();
        }
    }

    /// <summary>Whether telemetry from <paramref name="deviceId"/> at <paramref name="site"/> may be stored.</summary>
    public bool Admits(string site, string deviceId)
    {
        if (_path is null)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        if (now >= Interlocked.Read(ref _nextCheck))
        {
            Interlocked.Exchange(ref _nextCheck, now + (long)(ReloadCheckInterval.TotalSeconds * _time.TimestampFrequency));
            Reload();
        }

        return Volatile.Read(ref _admitted).Contains((site, deviceId));
    }

    private void Reload()
    {
        lock (_gate)
        {
            try
            {
                var written = File.GetLastWriteTimeUtc(_path!);
                if (written == _loadedWriteTime)
                {
                    return;
                }

                var devices = IdentityStore.Read(_path!)
                    .Where(i => i.Role == IdentityRole.Device && i.Problem() is null)
                    .Select(i => (i.Site!, i.DeviceId!))
                    .ToFrozenSet();
                Volatile.Write(ref _admitted, devices);
                _loadedWriteTime = written;
                _logger.LogInformation("ingest admits telemetry from {Devices} registered devices ({Path})", devices.Count, _path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                _logger.LogError("cannot read the registered devices from {Path} ({Error}); admitting the {Devices} devices read before", _path, e.Message, _admitted.Count);
            }
        }
    }
}
