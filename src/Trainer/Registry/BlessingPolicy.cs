using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>
/// TFX-style evaluator: a candidate is blessed when there is no current model, or when it is not worse than the
/// current model measured on the same held-out examples. When the current model could not be measured on them
/// (its class list differs from the candidate's), the candidate, trained on the data as it now is, wins.
/// </summary>
public static class BlessingPolicy
{
    public static bool IsBlessed(ModelMetrics candidate, ModelManifest? current, ModelMetrics? currentOnSameData) =>
        current is null || currentOnSameData is null || candidate.Accuracy >= currentOnSameData.Accuracy;
}
