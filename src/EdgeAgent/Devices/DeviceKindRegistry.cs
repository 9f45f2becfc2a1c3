using System.Diagnostics.CodeAnalysis;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.EdgeAgent.Devices;

/// <summary>The device kinds agents can drive, by name, each with the learning task it feeds, found in the registered tasks.</summary>
public sealed class DeviceKindRegistry
{
    private readonly Dictionary<string, (IDeviceKind Kind, ILearningTask Task)> _kinds = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A kind's name is not an identifier, two kinds share one, or a kind feeds a task that is not registered.</exception>
    internal DeviceKindRegistry(IEnumerable<IDeviceKind> kinds, TaskRegistry tasks)
    {
        foreach (var kind in kinds)
        {
            Identifiers.Require(kind.Name, "device kind");
            if (!tasks.TryFind(kind.Task, out var task))
            {
                throw new ArgumentException($"device kind {kind.Name} feeds task \"{kind.Task}\", which is not registered (registered: {string.Join(", ", tasks.Names)})", nameof(tasks));
            }

            if (!_kinds.TryAdd(kind.Name, (kind, task)))
            {
                throw new ArgumentException($"two device kinds are named \"{kind.Name}\"", nameof(kinds));
            }
        }

        Names = [.. _kinds.Keys];
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>The task a device of <paramref name="kind"/> feeds.</summary>
    /// <exception cref="ArgumentException">No kind has that name; the message lists the ones there are.</exception>
    public ILearningTask TaskOf(string kind) => Find(kind).Task;

    internal bool TryFind(string? name, [NotNullWhen(true)] out IDeviceKind? kind)
    {
        kind = null;
        if (name is null || !_kinds.TryGetValue(name, out var found))
        {
            return false;
        }

        kind = found.Kind;
        return true;
    }

    internal (IDeviceKind Kind, ILearningTask Task) Find(string kind) =>
        _kinds.TryGetValue(kind, out var found) ? found : throw new ArgumentException($"device kind \"{kind}\" is unknown (expected {Expected})", nameof(kind));

    internal string Expected => string.Join(" or ", Names);
}
