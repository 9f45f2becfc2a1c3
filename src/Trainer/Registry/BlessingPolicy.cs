using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>TFX-style evaluator: a candidate is blessed when there is no current model or its held-out accuracy is not worse.</summary>
public static class BlessingPolicy
{
    public static bool IsBlessed(ModelMetrics candidate, ModelManifest? current) =>
        current is null || candidate.Accuracy >= current.Metrics.Accuracy;
}
