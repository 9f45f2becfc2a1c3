namespace Pipeline.Runner.Observing;

/// <summary>One reason code among the newest quarantined messages: how many carry it, and the latest.</summary>
internal sealed record QuarantineReason(string Code, int Count, QuarantinedMessage Latest);
