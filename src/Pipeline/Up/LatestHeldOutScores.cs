using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;

namespace Pipeline.Runner.Up;

/// <summary>
/// Each model version's accuracy on the held-out examples of the last round that scored it: the round that blessed it,
/// or a later round that weighed a candidate against it by accuracy on that round's own, larger, held-out set.
/// </summary>
internal static class LatestHeldOutScores
{
    public static Dictionary<(string Task, int Version), (double? Accuracy, int? Examples)> Of(IEnumerable<RoundResult> rounds)
    {
        var latest = new Dictionary<(string, int), (double?, int?)>();
        foreach (var round in rounds.Where(r => r.Failure is null).OrderBy(r => r.Round))
        {
            if (round.Version is { } blessed)
            {
                latest[(round.Task, blessed)] = (round.Accuracy, round.HeldOutExamples);
            }

            if (round.Blessing is { CurrentVersion: { } current, CurrentScoreOnSameData: { } score, Metric: BlessingMetric.Accuracy })
            {
                latest[(round.Task, current)] = (score, round.HeldOutExamples);
            }
        }

        return latest;
    }
}
