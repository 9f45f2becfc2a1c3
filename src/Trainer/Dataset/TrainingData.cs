namespace Pipeline.Trainer.Dataset;

/// <summary>A task's examples, split by session; <see cref="Classes"/> is sorted ordinally so class indices are stable.</summary>
public sealed record TrainingData(string Task, IReadOnlyList<string> Classes, IReadOnlyList<Example> Train, IReadOnlyList<Example> HeldOut);
