namespace Pipeline.Protocol;

/// <summary>
/// Describes one trained model: what it is, how well it did on held-out data, and where and how to fetch
/// and verify its artifact. Published retained on <see cref="Topics.ModelManifest"/> as the model announcement.
/// <see cref="Chunks"/> and <see cref="Decision"/> are set on every announcement: the artifact travels in those chunks,
/// and the decision orders the announcement among the task's others. Manifests written before chunked delivery or
/// decisions, and those the trainer's registry keeps on disk, have neither.
/// </summary>
public sealed record ModelManifest(
    string Task,
    int Version,
    string Architecture,
    long CreatedMicros,
    string ArtifactTopic,
    long SizeBytes,
    string Sha256,
    int[] InputShape,
    string[] Classes,
    ModelMetrics Metrics,
    string Schedule,
    ModelSignature? Signature = null,
    ArtifactChunks? Chunks = null,
    ModelDecision? Decision = null)
{
    /// <summary>The most classes a model may have; the trainer keeps the most frequent ones beyond it.</summary>
    public const int MaxClasses = 1024;

    /// <summary>The order of this announcement among the task's (<see cref="ModelDecision"/>); 0 for one without a decision, which any decision outranks.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long DecisionSequence => Decision?.Sequence ?? 0;
}

/// <summary>
/// Held-out evaluation of a model. <see cref="ConcentrationMae"/> is set for models with a regression head. For droplet
/// models <see cref="Accuracy"/>, <see cref="MacroF1"/> and <see cref="HeldOutExamples"/> count frames (the mean of a
/// frame's droplet probabilities), and <see cref="DropletAccuracy"/> (absent in manifests written before) counts droplets.
/// <see cref="DropletMacroF1"/> and <see cref="DropletConcentrationMae"/> (% v/v) are the same per droplet, each droplet judged
/// on its own (absent in manifests written before them, and for models that are not judged per frame).
/// </summary>
public sealed record ModelMetrics(double Accuracy, double MacroF1, int HeldOutExamples, double? ConcentrationMae = null, double? DropletAccuracy = null,
    double? DropletMacroF1 = null, double? DropletConcentrationMae = null);
