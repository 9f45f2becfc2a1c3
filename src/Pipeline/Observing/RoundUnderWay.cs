using Pipeline.Trainer.Reporting;

namespace Pipeline.Runner.Observing;

/// <summary>A training round's epochs so far; <see cref="Finished"/> once the round has been judged.</summary>
internal sealed record RoundUnderWay(int Round, string Task, IReadOnlyList<EpochProgress> Epochs, bool Finished);
