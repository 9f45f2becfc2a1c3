using System.Diagnostics.CodeAnalysis;
using Pipeline.Protocol;

namespace Pipeline.Tasks;

/// <summary>The registered learning tasks, by name and by the stream their data arrives on.</summary>
public sealed class TaskRegistry
{
    private readonly Dictionary<string, ILearningTask> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ILearningTask> _byStream = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A name or stream is not a valid identifier, names a control stream, or two tasks share one.</exception>
    public TaskRegistry(IEnumerable<ILearningTask> tasks)
    {
        foreach (var task in tasks)
        {
            Identifiers.Require(task.Name, "task name");
            Identifiers.Require(task.Stream, $"task {task.Name}'s stream");
            if (Topics.IsControlStream(task.Stream))
            {
                throw new ArgumentException($"task {task.Name} cannot take the \"{task.Stream}\" stream: it carries control messages", nameof(tasks));
            }

            if (!_byName.TryAdd(task.Name, task))
            {
                throw new ArgumentException($"two tasks are named \"{task.Name}\"", nameof(tasks));
            }

            if (!_byStream.TryAdd(task.Stream, task))
            {
                throw new ArgumentException($"tasks {_byStream[task.Stream].Name} and {task.Name} both take the \"{task.Stream}\" stream", nameof(tasks));
            }
        }

        All = [.. _byName.Values];
        Names = [.. _byName.Keys];
    }

    /// <summary>The built-in tasks (swing, droplet) only, for code that runs without a service container.</summary>
    public static TaskRegistry BuiltIn { get; } = new(BuiltInTasks.All);

    public IReadOnlyList<ILearningTask> All { get; }

    public IReadOnlyList<string> Names { get; }

    public bool TryFind(string? name, [NotNullWhen(true)] out ILearningTask? task)
    {
        task = null;
        return name is not null && _byName.TryGetValue(name, out task);
    }

    /// <exception cref="ArgumentException">No task has that name; the message lists the ones there are.</exception>
    public ILearningTask Find(string name) =>
        TryFind(name, out var task) ? task : throw new ArgumentException($"task \"{name}\" is unknown (expected one of {string.Join(", ", Names)})", nameof(name));

    public bool TryFindByStream(string stream, [NotNullWhen(true)] out ILearningTask? task) => _byStream.TryGetValue(stream, out task);
}
