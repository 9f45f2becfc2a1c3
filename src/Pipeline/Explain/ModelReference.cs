using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.Runner.Explain;

/// <summary>`--model TASK[:VERSION]`: a task's version in the registry, or its current one when no version is given.</summary>
internal sealed record ModelReference(string Task, int? Version)
{
    public static bool TryParse(string text, [NotNullWhen(true)] out ModelReference? reference, [NotNullWhen(false)] out string? problem)
    {
        reference = null;
        var parts = text.Split(':');
        var task = parts[0];
        if (parts.Length > 2 || !TaskRegistry.BuiltIn.TryFind(task, out _))
        {
            problem = $"\"{text}\" names no task (expected {string.Join(" or ", TaskRegistry.BuiltIn.Names)}, optionally with :VERSION, e.g. {LearningTasks.Droplet}:3)";
            return false;
        }

        if (parts.Length == 1)
        {
            reference = new ModelReference(task, null);
            problem = null;
            return true;
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            problem = $"\"{text}\": the version \"{parts[1]}\" is not a whole number of 1 or more";
            return false;
        }

        reference = new ModelReference(task, version);
        problem = null;
        return true;
    }

    public override string ToString() => Version is { } v ? $"{Task}:{v}" : Task;
}
