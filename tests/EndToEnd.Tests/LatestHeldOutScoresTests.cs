using Pipeline.Protocol;
using Pipeline.Runner.Up;
using Pipeline.Trainer.Registry;
using Pipeline.Trainer.Service;

namespace Pipeline.EndToEnd.Tests;

public class LatestHeldOutScoresTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void AVersion_IsScoredByTheLastRoundThatWeighedItByAccuracy_OnThatRoundsHeldOutSet()
    {
        RoundResult[] rounds =
        [
            Blessed(1, LearningTasks.Swing, version: 1, accuracy: 0.90, heldOut: 41, current: null, currentScore: null),
            Rejected(2, LearningTasks.Swing, accuracy: 0.80, heldOut: 188, current: 1, currentScore: 0.82),
            Blessed(3, LearningTasks.Swing, version: 2, accuracy: 0.91, heldOut: 279, current: 1, currentScore: 0.81),
            Blessed(1, LearningTasks.Droplet, version: 1, accuracy: 0.77, heldOut: 60, current: null, currentScore: null),
        ];

        var latest = LatestHeldOutScores.Of(rounds);

        Assert.Equal((0.81, 279), latest[(LearningTasks.Swing, 1)]);
        Assert.Equal((0.91, 279), latest[(LearningTasks.Swing, 2)]);
        Assert.Equal((0.77, 60), latest[(LearningTasks.Droplet, 1)]);
    }

    [Fact]
    public void RoundsOutOfOrder_FailedRounds_AndOtherMetrics_DoNotReplaceTheLatestAccuracy()
    {
        RoundResult[] rounds =
        [
            Blessed(3, LearningTasks.Swing, version: 2, accuracy: 0.91, heldOut: 279, current: 1, currentScore: 0.81),
            RoundResult.Failed(4, LearningTasks.Swing, Second, "bad data"),
            Blessed(1, LearningTasks.Swing, version: 1, accuracy: 0.90, heldOut: 41, current: null, currentScore: null),
            Rejected(5, LearningTasks.Swing, accuracy: 0.80, heldOut: 300, current: 2, currentScore: 0.7, metric: BlessingMetric.MacroF1),
        ];

        var latest = LatestHeldOutScores.Of(rounds);

        Assert.Equal((0.81, 279), latest[(LearningTasks.Swing, 1)]);
        Assert.Equal((0.91, 279), latest[(LearningTasks.Swing, 2)]);
    }

    private static RoundResult Blessed(int round, string task, int version, double accuracy, int heldOut, int? current, double? currentScore) =>
        new(round, task, version, accuracy, accuracy, null, 100, heldOut, "pipelined", Second, 1,
            Blessing: new BlessingDecision(BlessingMetric.Accuracy, 0, accuracy, current, currentScore, true, "better"));

    private static RoundResult Rejected(int round, string task, double accuracy, int heldOut, int current, double currentScore, string metric = BlessingMetric.Accuracy) =>
        new(round, task, null, accuracy, accuracy, null, 100, heldOut, "pipelined", Second, 1,
            Blessing: new BlessingDecision(metric, 0, accuracy, current, currentScore, false, "not better"), RejectedAs: $"r{round}");
}
