using Microsoft.Extensions.Configuration;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>Every agent this process runs: the single "Agent" section, and/or each entry of the "Agents" list.</summary>
public sealed class EdgeAgentFleetOptions
{
    public const string SingleSection = "Agent";
    public const string ListSection = "Agents";

    public List<EdgeAgentOptions> Agents { get; } = [];

    public static EdgeAgentFleetOptions Bind(IConfiguration configuration)
    {
        var fleet = new EdgeAgentFleetOptions();
        var single = configuration.GetSection(SingleSection);
        if (single.Exists())
        {
            fleet.Agents.Add(BindOne(single));
        }

        foreach (var entry in configuration.GetSection(ListSection).GetChildren())
        {
            fleet.Agents.Add(BindOne(entry));
        }

        return fleet;
    }

    /// <summary>Every problem across the fleet, including two agents claiming one device id (they would share topics).</summary>
    public IReadOnlyList<string> Validate()
    {
        if (Agents.Count == 0)
        {
            return [$"no agent configured: set the \"{SingleSection}\" section (e.g. --{SingleSection}:DeviceId club-1) or the \"{ListSection}\" list"];
        }

        var errors = new List<string>();
        for (var i = 0; i < Agents.Count; i++)
        {
            errors.AddRange(Agents[i].Validate(Agents.Count == 1 ? SingleSection : $"{ListSection}:{i}"));
        }

        errors.AddRange(Agents.GroupBy(a => (a.Site, a.DeviceId)).Where(g => g.Count() > 1)
            .Select(g => $"device {g.Key.Site}/{g.Key.DeviceId} is configured {g.Count()} times"));
        return errors;
    }

    private static EdgeAgentOptions BindOne(IConfigurationSection section)
    {
        var options = new EdgeAgentOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder's own message names the key and the type it could not convert to.
            throw new Microsoft.Extensions.Options.OptionsValidationException(section.Path, typeof(EdgeAgentOptions), [e.Message]);
        }

        return options;
    }
}
