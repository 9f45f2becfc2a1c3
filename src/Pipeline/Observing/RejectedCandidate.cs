using Pipeline.Trainer.Reporting;

namespace Pipeline.Runner.Observing;

/// <summary>A candidate that was not blessed: its folder's name (round and time) and its model card, when readable.</summary>
internal sealed record RejectedCandidate(string Name, string Folder, ModelCard? Card);
