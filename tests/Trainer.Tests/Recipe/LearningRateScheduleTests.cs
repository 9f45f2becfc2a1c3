using Pipeline.Trainer.Runs;

namespace Pipeline.Trainer.Tests.Recipe;

public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(LearningRateSchedule.Constant, new[] { 0.1, 0.1, 0.1, 0.1 })]
    [InlineData(LearningRateSchedule.Cosine, new[] { 0.1, 0.085355339, 0.05, 0.014644661 })]
    [InlineData(LearningRateSchedule.Step, new[] { 0.1, 0.1, 0.01, 0.001 })]
    public void At_EachEpochOfFour_FollowsTheSchedule(LearningRateSchedule schedule, double[] expected)
    {
        var rates = Enumerable.Range(0, 4).Select(epoch => LearningRates.At(schedule, 0.1, epoch, 4)).ToArray();

        Assert.Equal(expected, rates, (a, b) => Math.Abs(a - b) < 1e-8);
    }

    [Fact]
    public void Names_RoundTrip_AndAnUnknownNameIsNotParsed()
    {
        Assert.All(Enum.GetValues<LearningRateSchedule>(), schedule =>
        {
            Assert.True(LearningRates.TryParse(LearningRates.Name(schedule), out var parsed));
            Assert.Equal(schedule, parsed);
        });
        Assert.False(LearningRates.TryParse("linear", out _));
    }
}
