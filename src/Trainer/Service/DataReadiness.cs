namespace Pipeline.Trainer.Service;

/// <summary>What the store holds for a task: its labelled sessions, and whether enough classes have enough of them.</summary>
public sealed record DataReadiness(int Sessions, bool ClassesCovered);
