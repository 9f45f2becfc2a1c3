namespace Pipeline.Runner.Observing;

/// <summary>One line of ingest's quarantine: when, from which topic, the reason code and words, and the payload's size.</summary>
internal sealed record QuarantinedMessage(string Time, string Topic, string Code, string Reason, long PayloadBytes);
