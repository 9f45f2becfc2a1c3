namespace Pipeline.Trainer.Dataset;

/// <summary>
/// A task's examples, split by session; <see cref="Classes"/> is sorted ordinally so class indices are stable.
/// <see cref="Validation"/>, carved from the training side when a run keeps its best epoch, picks that epoch; the
/// held-out examples only measure, so the figure reported for them is not selected on them.
/// </summary>
public sealed record TrainingData(string Task, IReadOnlyList<string> Classes, IReadOnlyList<Example> Train, IReadOnlyList<Example> HeldOut)
{
    public IReadOnlyList<Example> Validation { get; init; } = [];
}
