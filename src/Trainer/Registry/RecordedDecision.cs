namespace Pipeline.Trainer.Registry;

/// <summary>
/// One line of a task's decision log: run <see cref="Version"/>, ordered by <see cref="Sequence"/>
/// (Protocol's ModelDecision), of <see cref="Kind"/> publish, rollback or promote, taken at <see cref="Decided"/> (ISO 8601,
/// UTC) for <see cref="Reason"/> when one was given. <see cref="Ceiling"/> is the highest version number the registry had
/// given when it was taken: a version stored above it came later and is newer than the decision.
/// </summary>
public sealed record RecordedDecision(long Sequence, string Kind, int Version, int Ceiling, string Decided, string? Reason = null);
