using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>The held-out measure a candidate is judged by (Trainer:BlessingMetric), and which way is better.</summary>
public static class BlessingMetric
{
    public const string Accuracy = "accuracy";
    public const string MacroF1 = "macro-f1";

    /// <summary>Mean absolute error of the predicted concentration (% v/v): lower is better; droplet models only.</summary>
    public const string ConcentrationMae = "concentration-mae";

    public static IReadOnlyList<string> All { get; } = [Accuracy, MacroF1, ConcentrationMae];

    public static bool LowerIsBetter(string metric) => metric == ConcentrationMae;

    /// <summary>The score of <paramref name="metrics"/> under <paramref name="metric"/>, or null when the model has no such measure.</summary>
    public static double? Score(string metric, ModelMetrics metrics) => metric switch
    {
        Accuracy => metrics.Accuracy,
        MacroF1 => metrics.MacroF1,
        ConcentrationMae => metrics.ConcentrationMae,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, $"unknown blessing metric (expected {string.Join(", ", All)})"),
    };
}
