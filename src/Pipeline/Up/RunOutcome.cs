namespace Pipeline.Runner.Up;

/// <summary>How a run of `pipeline up` ended: its report, and whether the loop closed (else why not).</summary>
internal sealed record RunOutcome(RunReport Report, string ReportPath, bool Completed, string? Problem);
