namespace Pipeline.Runner.Up;

/// <summary>
/// The current model of a task at the end of the run: its accuracy and macro F1 on the held-out examples of the round
/// that made it (<see cref="HeldOutExamples"/> of them: swing windows, or droplet frames), the examples it was trained on,
/// and the folder with its charts and model card.
/// </summary>
internal sealed record ModelReport(string Task, int Version, double HeldOutAccuracy, double MacroF1, int HeldOutExamples, int? TrainExamples, string Schedule, string Folder);
