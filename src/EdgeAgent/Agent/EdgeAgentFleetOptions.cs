using Microsoft.Extensions.Configuration;
using Pipeline.EdgeAgent.Devices;
using Pipeline.Settings;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>
/// Every agent this process runs: the single "Agent" section (or, with Agent:Fleet:Count N, N devices made from it),
/// and/or each entry of the "Agents" list.
/// </summary>
public sealed class EdgeAgentFleetOptions
{
    public const string SingleSection = "Agent";
    public const string ListSection = "Agents";

    public List<EdgeAgentOptions> Agents { get; } = [];

    /// <summary>Keys of earlier releases still set in a bound section, each naming the key that replaced it.</summary>
    private readonly List<string> _renamedKeys = [];

    public static EdgeAgentFleetOptions Bind(IConfiguration configuration)
    {
        var fleet = new EdgeAgentFleetOptions();
        var single = configuration.GetSection(SingleSection);
        if (single.Exists())
        {
            fleet.NoteRenamedKeys(single);
            var template = BindOne(single);
            if (template.Fleet.Count is > 0 and <= FleetOptions.MaxCount)
            {
                fleet.Agents.AddRange(Enumerable.Range(1, template.Fleet.Count).Select(number => FleetMember(single, number)));
            }
            else
            {
                fleet.Agents.Add(template);
            }
        }

        foreach (var entry in configuration.GetSection(ListSection).GetChildren())
        {
            fleet.NoteRenamedKeys(entry);
            fleet.Agents.Add(BindOne(entry));
        }

        return fleet;
    }

    /// <summary>Every problem across the fleet, including two agents claiming one device id (they would share topics).</summary>
    public IReadOnlyList<string> Problems(DeviceKindRegistry kinds)
    {
        if (Agents.Count == 0)
        {
            return [$"no agent configured: set the \"{SingleSection}\" section (e.g. --{SingleSection}:DeviceId club-1) or the \"{ListSection}\" list"];
        }

        var errors = new List<string>(_renamedKeys);
        for (var i = 0; i < Agents.Count; i++)
        {
            errors.AddRange(Agents[i].Problems(Agents.Count == 1 ? SingleSection : $"{ListSection}:{i}", kinds));
            if (errors.Count > 20)
            {
                // A fleet of hundreds made from one bad section would repeat the same problem hundreds of times.
                errors.Add("… (more problems not listed)");
                break;
            }
        }

        errors.AddRange(Agents.GroupBy(a => (a.Site, a.DeviceId)).Where(g => g.Count() > 1)
            .Select(g => $"device {g.Key.Site}/{g.Key.DeviceId} is configured {g.Count()} times"));
        return errors;
    }

    private void NoteRenamedKeys(IConfigurationSection section)
    {
        var problems = new SettingProblems(section.Path);
        foreach (var (old, replacement) in EdgeAgentOptions.RenamedKeys)
        {
            problems.Require(!section.GetSection(old).Exists(), old, $"was renamed: set {section.Path}:{replacement} instead (a duration such as 00:00:02)");
        }

        _renamedKeys.AddRange(problems.All);
    }

    /// <summary>Binds the section afresh for each member, so every setting is copied, then gives it its own identity.</summary>
    private static EdgeAgentOptions FleetMember(IConfigurationSection single, int number)
    {
        var member = BindOne(single);
        var prefix = member.DeviceId;
        member.DeviceId = FleetOptions.DeviceIdOf(prefix, number);
        member.Seed = FleetOptions.SeedOf(member.Seed, number);
        member.DataFolder = string.IsNullOrWhiteSpace(member.DataFolder) ? "" : Path.Combine(member.DataFolder, member.DeviceId);
        member.Fleet = new FleetOptions();
        return member;
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
