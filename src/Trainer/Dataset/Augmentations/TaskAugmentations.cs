using Pipeline.Protocol;

namespace Pipeline.Trainer.Dataset.Augmentations;

/// <summary>
/// The augmentation each of the system's tasks trains with, chosen by what leaves its classes unchanged: a droplet's VOC
/// does not depend on how the frame is turned (see <see cref="QuarterTurns"/>), while a swing window is a time series
/// whose shape is the class. The one place a task's choice is made.
/// </summary>
public static class TaskAugmentations
{
    public static Augmentation For(string task) => task switch
    {
        LearningTasks.Droplet => Augmentation.QuarterTurns,
        LearningTasks.Swing => Augmentation.None,
        _ => throw new ArgumentException($"task \"{task}\" is unknown (expected {string.Join(", ", LearningTasks.All)})", nameof(task)),
    };
}
