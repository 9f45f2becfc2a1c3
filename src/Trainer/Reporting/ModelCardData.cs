namespace Pipeline.Trainer.Reporting;

/// <summary>
/// What the round learned from: <see cref="Identity"/> is the hash the checkpoints use (classes, and every example's
/// session, label and values, in order), the range spans the labelled sessions read, <see cref="Skipped"/> says which
/// sessions were left out and why.
/// </summary>
public sealed record ModelCardData(
    string Identity, int Sessions, string? From, string? To, int TrainExamples, int HeldOutExamples, IReadOnlyList<string> Skipped);
