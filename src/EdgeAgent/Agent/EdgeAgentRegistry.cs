namespace Pipeline.EdgeAgent.Agent;

/// <summary>The agents running in this process, so a runner or report can read their snapshots.</summary>
public sealed class EdgeAgentRegistry
{
    private readonly List<EdgeAgentWorker> _agents = [];

    public IReadOnlyList<EdgeAgentWorker> Agents
    {
        get
        {
            lock (_agents)
            {
                return [.. _agents];
            }
        }
    }

    public void Add(EdgeAgentWorker agent)
    {
        lock (_agents)
        {
            _agents.Add(agent);
        }
    }

    public IReadOnlyList<AgentSnapshot> Snapshots() => [.. Agents.Select(a => a.Snapshot())];
}
