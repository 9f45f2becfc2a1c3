using System.Globalization;
using Pipeline.Protocol;

namespace Pipeline.Trainer.Registry;

/// <summary>
/// TFX-style evaluator: a candidate is blessed when there is no current model, or when it beats the current model,
/// measured on the same held-out examples, by at least the minimum margin on the configured metric (a margin of 0
/// blesses a tie). When the current model could not be measured on them (its class list differs from the candidate's),
/// the candidate, trained on the data as it now is, wins. A metric one of the two models lacks (a concentration error
/// for a swing model) falls back to accuracy, and the decision says so.
/// </summary>
internal sealed class BlessingPolicy(string metric = BlessingMetric.Accuracy, double minimumMargin = 0)
{
    public BlessingDecision Decide(ModelMetrics candidate, ModelManifest? current, ModelMetrics? currentOnSameData)
    {
        var used = BlessingMetric.Score(metric, candidate) is not null && (currentOnSameData is null || BlessingMetric.Score(metric, currentOnSameData) is not null)
            ? metric
            : BlessingMetric.Accuracy;
        var candidateScore = BlessingMetric.Score(used, candidate)!.Value;
        if (current is null)
        {
            return new BlessingDecision(used, minimumMargin, candidateScore, null, null, true, "the first model of its task");
        }

        if (currentOnSameData is null)
        {
            return new BlessingDecision(used, minimumMargin, candidateScore, current.Version, null, true,
                $"v{current.Version} cannot be measured on this round's held-out data (other classes, or it does not load)");
        }

        var currentScore = BlessingMetric.Score(used, currentOnSameData)!.Value;
        var gain = BlessingMetric.LowerIsBetter(used) ? currentScore - candidateScore : candidateScore - currentScore;
        var blessed = gain >= minimumMargin;
        var comparison = string.Create(CultureInfo.InvariantCulture,
            $"{used} {candidateScore:0.####} against v{current.Version}'s {currentScore:0.####} on the same held-out data (a gain of {gain:0.####}; at least {minimumMargin:0.####} needed)");
        return new BlessingDecision(used, minimumMargin, candidateScore, current.Version, currentScore, blessed, comparison);
    }
}
