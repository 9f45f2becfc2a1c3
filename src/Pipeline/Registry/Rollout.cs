using Pipeline.Protocol;

namespace Pipeline.Runner.Registry;

/// <summary>
/// Where one model version stands across the devices of its task, from their latest statuses: which run it, which are
/// fetching it, and which refused it (and do not run it), with why. <see cref="Version"/> null gathers the devices that run no model.
/// </summary>
internal sealed record Rollout(string Task, int? Version, bool Current, IReadOnlyList<string> Running, IReadOnlyList<string> Offline,
    IReadOnlyList<string> Fetching, IReadOnlyList<DeviceRefusal> Refused)
{
    /// <summary>
    /// One entry per version that any device runs, fetches or refused, plus the current one, newest first, for each task
    /// in <paramref name="tasks"/>; devices that run no model come last as version null.
    /// </summary>
    public static IReadOnlyList<Rollout> Of(IReadOnlyList<DeviceStatus> statuses, IEnumerable<string> tasks, Func<string, int?> currentVersion)
    {
        var rollouts = new List<Rollout>();
        foreach (var task in tasks)
        {
            var devices = statuses.Where(s => s.Task == task).OrderBy(s => s.DeviceId, StringComparer.Ordinal).ToList();
            var current = currentVersion(task);
            var versions = devices.SelectMany(d => new[] { d.ModelVersion, d.FetchingVersion, d.LastRefusal?.Version })
                .OfType<int>().Append(current ?? 0).Where(v => v > 0).Distinct().OrderDescending();
            foreach (var version in versions)
            {
                rollouts.Add(new Rollout(task, version, version == current,
                    [.. devices.Where(d => d.ModelVersion == version && d.State == DeviceState.Online).Select(d => d.DeviceId)],
                    [.. devices.Where(d => d.ModelVersion == version && d.State == DeviceState.Offline).Select(d => d.DeviceId)],
                    [.. devices.Where(d => d.FetchingVersion == version).Select(d => d.DeviceId)],
                    // A device that runs the version after all (announced again, whole this time) no longer counts as refusing it.
                    [.. devices.Where(d => d.LastRefusal?.Version == version && d.ModelVersion != version).Select(d => new DeviceRefusal(d.DeviceId, d.LastRefusal!.Reason))]));
            }

            var without = devices.Where(d => d.ModelVersion is null).ToList();
            if (without.Count > 0)
            {
                rollouts.Add(new Rollout(task, null, false,
                    [.. without.Where(d => d.State == DeviceState.Online).Select(d => d.DeviceId)],
                    [.. without.Where(d => d.State == DeviceState.Offline).Select(d => d.DeviceId)], [], []));
            }
        }

        return rollouts;
    }
}
