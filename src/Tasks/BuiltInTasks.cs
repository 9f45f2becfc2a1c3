using Pipeline.Tasks.Droplet;
using Pipeline.Tasks.Swing;

namespace Pipeline.Tasks;

/// <summary>The tasks the system ships with.</summary>
internal static class BuiltInTasks
{
    public static IReadOnlyList<ILearningTask> All { get; } = [new SwingTask(), new DropletTask()];
}
