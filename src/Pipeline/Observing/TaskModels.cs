namespace Pipeline.Runner.Observing;

/// <summary>One task's registry: its versions, oldest first, the current one, and the candidates not blessed, oldest first.</summary>
internal sealed record TaskModels(string Task, int? Current, IReadOnlyList<VersionDetails> Versions, IReadOnlyList<RejectedCandidate> Rejected);
