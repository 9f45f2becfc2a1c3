using System.CommandLine;
using Pipeline.Protocol;
using Pipeline.Tasks;
using Pipeline.Trainer.Registry;

namespace Pipeline.Runner.Registry;

/// <summary>
/// `pipeline models rollback` and `promote`: record in the registry's decision log that devices are to run another
/// version. The trainer, which holds the signing key and the right to publish models, announces the decision signed
/// with a higher sequence within Trainer:DecisionPollInterval while it runs, or at its next start: devices move to the
/// version although its number may be lower, and refuse the announcements it outranks if anyone replays them.
/// </summary>
internal static class ModelDecisionCommands
{
    private const int MaxReason = 500;

    public static Command Rollback(Option<string> data)
    {
        var task = TaskOption();
        var to = new Option<int?>("--to") { Description = "The version to go back to; the newest whole version below the current one if omitted." };
        var reason = ReasonOption();
        var command = new Command("rollback", "Make devices run an older version again (a signed decision the trainer announces).") { data, task, to, reason };
        command.SetAction(parse => ModelsCommand.Run(parse, "rollback", output =>
        {
            var registry = new ModelRegistry(parse.GetValue(data)!);
            var t = ModelsCommand.Tasks(parse.GetValue(task)).Single();
            var current = registry.Current(t) ?? throw new InvalidOperationException($"the registry holds no current {t} model to roll back from");
            var target = parse.GetValue(to) ?? registry.Versions(t).LastOrDefault(v => v.Version < current.Version && v.Manifest is not null)?.Version
                ?? throw new InvalidOperationException($"the registry holds no whole {t} version older than the current v{current.Version}");
            if (target >= current.Version)
            {
                throw new ArgumentException($"--to {target} is not older than the current {t} v{current.Version}; `pipeline models promote` makes any version current");
            }

            Decide(output, registry, t, target, ModelDecision.Rollback, current, parse.GetValue(reason));
        }));
        return command;
    }

    public static Command Promote(Option<string> data)
    {
        var task = TaskOption();
        var version = new Argument<int>("version") { Description = "The stored version devices are to run." };
        var reason = ReasonOption();
        var command = new Command("promote", "Make devices run a stored version, older or newer, or announce the current one again (a signed decision the trainer announces).")
        {
            data, task, version, reason,
        };
        command.SetAction(parse => ModelsCommand.Run(parse, "promote", output =>
        {
            var registry = new ModelRegistry(parse.GetValue(data)!);
            var t = ModelsCommand.Tasks(parse.GetValue(task)).Single();
            // The current version too: its new decision sends it out again, which devices that refused it take (after
            // a damaged chunk, say) and devices that run it acknowledge without a download.
            Decide(output, registry, t, parse.GetValue(version), ModelDecision.Promote, registry.Current(t), parse.GetValue(reason));
        }));
        return command;
    }

    /// <summary>One line: the latest decision, and whether the trainer announced it yet.</summary>
    public static string Describe(ModelRegistry registry, string task)
    {
        if (registry.Decisions(task) is not [.., var latest])
        {
            return "no decision recorded yet";
        }

        var announced = registry.Announced(task) >= latest.Sequence ? "announced" : "not announced yet (the trainer announces it while it runs, or at its next start)";
        var reason = latest.Reason is null ? "" : $", \"{latest.Reason}\"";
        return $"latest decision {latest.Sequence}: run v{latest.Version} ({latest.Kind} at {latest.Decided}{reason}), {announced}";
    }

    private static void Decide(TextWriter output, ModelRegistry registry, string task, int target, string kind, ModelManifest? current, string? reason)
    {
        if (reason is { Length: > MaxReason })
        {
            throw new ArgumentException($"--reason is {reason.Length} characters; at most {MaxReason} are kept");
        }

        var decision = registry.Decide(task, target, kind, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, reason);
        output.WriteLine($"{task}: decision {decision.Sequence} recorded: run v{target} ({kind}{(current is null ? "" : $" from v{current.Version}")})");
        output.WriteLine($"{task}: a running trainer signs and announces it within Trainer:DecisionPollInterval; otherwise it does so at its next start");
    }

    private static Option<string> TaskOption() =>
        new("--task") { Description = $"The task: {string.Join(" or ", TaskRegistry.BuiltIn.Names)}.", Required = true };

    private static Option<string?> ReasonOption() =>
        new("--reason") { Description = "Why, kept with the decision in the registry's decision log." };
}
