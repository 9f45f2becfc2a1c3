using Pipeline.Protocol;
using Pipeline.Trainer.Registry;

namespace Pipeline.Trainer.Tests;

public sealed class BlessingPolicyTests
{
    // The current model recorded 0.9 on its own (older, smaller) held-out set; what counts is its score on this round's.
    private static readonly ModelManifest Current = new(LearningTasks.Droplet, 4, "droplet-cnn", 1_700_000_000_000_000, Topics.ModelArtifact(LearningTasks.Droplet, 4),
        3, new string('a', 64), [1, 32, 32], ["a", "b"], new ModelMetrics(0.9, 0.9, 5, 0.3), "pipelined");

    [Theory]
    [InlineData(0.70, true)]
    [InlineData(0.71, true)]
    [InlineData(0.69, false)]
    public void ByDefault_ACandidateNotWorseOnTheSameHeldOutData_IsBlessed(double candidate, bool blessed)
    {
        var decision = new BlessingPolicy().Decide(Metrics(candidate), Current, Metrics(0.70));

        Assert.Equal(blessed, decision.Blessed);
        Assert.Equal(BlessingMetric.Accuracy, decision.Metric);
        Assert.Equal(4, decision.CurrentVersion);
        Assert.Equal(0.70, decision.CurrentScoreOnSameData);
        Assert.Contains("v4", decision.Reason);
    }

    [Theory]
    [InlineData(0.74, false)]
    [InlineData(0.75, true)]
    public void AMinimumMargin_MustBeGained(double candidate, bool blessed) =>
        Assert.Equal(blessed, new BlessingPolicy(BlessingMetric.Accuracy, 0.05).Decide(Metrics(candidate), Current, Metrics(0.70)).Blessed);

    [Theory]
    [InlineData(0.61, true)]
    [InlineData(0.59, false)]
    public void ANegativeMargin_ToleratesThatMuchLoss(double candidate, bool blessed) =>
        Assert.Equal(blessed, new BlessingPolicy(BlessingMetric.Accuracy, -0.1).Decide(Metrics(candidate), Current, Metrics(0.70)).Blessed);

    [Fact]
    public void MacroF1_JudgesByMacroF1_NotAccuracy()
    {
        var decision = new BlessingPolicy(BlessingMetric.MacroF1).Decide(new ModelMetrics(0.9, 0.5, 10), Current, new ModelMetrics(0.6, 0.6, 10));

        Assert.False(decision.Blessed);
        Assert.Equal(0.5, decision.CandidateScore);
    }

    [Theory]
    [InlineData(0.35, false)]
    [InlineData(0.30, true)]
    [InlineData(0.20, true)]
    public void ConcentrationError_LowerIsBetter(double candidateMae, bool blessed) =>
        Assert.Equal(blessed, new BlessingPolicy(BlessingMetric.ConcentrationMae).Decide(Metrics(0.5, candidateMae), Current, Metrics(0.9, 0.30)).Blessed);

    [Fact]
    public void AMetricAModelLacks_FallsBackToAccuracy_AndSaysSo()
    {
        var decision = new BlessingPolicy(BlessingMetric.ConcentrationMae).Decide(Metrics(0.8), Current, Metrics(0.7));

        Assert.True(decision.Blessed);
        Assert.Equal(BlessingMetric.Accuracy, decision.Metric);
    }

    [Fact]
    public void WithNoCurrentModel_TheFirstIsBlessed() =>
        Assert.True(new BlessingPolicy().Decide(Metrics(0.1), null, null).Blessed);

    [Fact]
    public void WhenTheCurrentModelCannotBeMeasuredOnThisData_TheCandidateIsBlessed_AndTheReasonSaysWhy()
    {
        var decision = new BlessingPolicy().Decide(Metrics(0.1), Current, null);

        Assert.True(decision.Blessed);
        Assert.Null(decision.CurrentScoreOnSameData);
        Assert.Contains("cannot be measured", decision.Reason);
    }

    private static ModelMetrics Metrics(double accuracy, double? mae = null) => new(accuracy, accuracy, 10, mae);
}
