namespace Pipeline.Trainer.Service;

/// <summary>What the store holds for a task: its labelled sessions, and whether enough classes have enough of them.</summary>
internal sealed record DataReadiness(int Sessions, bool ClassesCovered);
