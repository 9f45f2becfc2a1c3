using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Reporting;

/// <summary>
/// model-card.json beside every stored version and every rejected candidate: how the model was made (settings, code
/// version), from what (the data's identity hash, time range and split), how good it is per class on held-out data,
/// and why it was or was not blessed. <see cref="Version"/> is null for a candidate that was not blessed.
/// <see cref="Explanations"/> lists the saliency examples stored beside a version (none for a rejected candidate, or a
/// card written before they existed).
/// </summary>
public sealed record ModelCard(
    string Task,
    int? Version,
    string Architecture,
    string CreatedAt,
    string CodeVersion,
    ModelCardTraining Training,
    ModelCardData Data,
    ModelCardHeldOut HeldOut,
    BlessingDecision Blessing,
    ModelCardArtifact Artifact,
    IReadOnlyList<ModelCardExplanation>? Explanations = null);
