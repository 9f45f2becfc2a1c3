using Pipeline.EdgeAgent.Agent;

namespace Pipeline.Runner.Up;

/// <summary>
/// Decides when a finite run has closed its loop: every agent runs the newest published model of its task
/// and has made at least one prediction with it (counted from the moment it was seen on that version).
/// </summary>
internal sealed class LoopSettlement(IReadOnlyDictionary<string, int> newestVersionByTask)
{
    private readonly Dictionary<string, long> _predictionsWhenOnNewest = new(StringComparer.Ordinal);

    /// <summary>Feeds the latest snapshots; returns true once every agent has predicted with its task's newest version.</summary>
    public bool IsSettled(IReadOnlyList<AgentSnapshot> agents)
    {
        var settled = true;
        foreach (var agent in agents)
        {
            if (!newestVersionByTask.TryGetValue(agent.Task, out var newest) || agent.ModelVersion != newest)
            {
                _predictionsWhenOnNewest.Remove(agent.DeviceId);
                settled = false;
                continue;
            }

            if (!_predictionsWhenOnNewest.TryGetValue(agent.DeviceId, out var baseline))
            {
                _predictionsWhenOnNewest[agent.DeviceId] = agent.Predictions;
                settled = false;
                continue;
            }

            settled &= agent.Predictions > baseline;
        }

        return settled && agents.Count > 0;
    }

    /// <summary>The newest versions ("swing v2") of which no prediction with its true class is among <paramref name="live"/>.</summary>
    public IReadOnlyList<string> UnseenVersions(IReadOnlyList<Storage.Predictions.VersionLiveAccuracy> live) =>
        [.. newestVersionByTask.Where(n => !live.Any(l => l.Task == n.Key && l.Version == n.Value && l.Labelled > 0)).Select(n => $"{n.Key} v{n.Value}")];

    /// <summary>Agents that have not yet closed the loop, described for a timeout message.</summary>
    public IEnumerable<string> Pending(IReadOnlyList<AgentSnapshot> agents) =>
        agents.Where(a => !newestVersionByTask.TryGetValue(a.Task, out var newest) || a.ModelVersion != newest
                || !_predictionsWhenOnNewest.TryGetValue(a.DeviceId, out var baseline) || a.Predictions <= baseline)
            .Select(a => $"{a.DeviceId} runs v{a.ModelVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}"
                + (newestVersionByTask.TryGetValue(a.Task, out var n) ? $" (newest v{n})" : " (no model published for its task)"));
}
