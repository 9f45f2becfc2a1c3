using Pipeline.Models.Architecture;
using Pipeline.Trainer.Partitioning;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class SplitPlannerTests
{
    [Theory]
    [InlineData(new[] { 1.0, 1, 1, 1, 4 }, 4)]
    [InlineData(new[] { 5.0, 1, 1, 1 }, 1)]
    [InlineData(new[] { 1.0, 1, 1, 1 }, 2)]
    [InlineData(new[] { 1.0, 3, 1, 1, 1, 2 }, 2)]
    [InlineData(new[] { 2.0, 2 }, 1)]
    [InlineData(new[] { 1.0, 2, 1 }, 1)]
    public void Balance_KnownBlockTimes_PicksTheBoundaryWithTheFastestSlowerStageEarliestOnATie(double[] milliseconds, int expected) =>
        Assert.Equal(expected, SplitPlanner.Balance([.. milliseconds.Select(TimeSpan.FromMilliseconds)]));

    [Fact]
    public async Task Plan_Automatic_BlocksOfVeryDifferentCost_MeasuresThemAndPicksTheBalancingBoundary()
    {
        using var model = Skewed();
        var plan = await new SplitPlanner(batchSize: 128, CPU).PlanAsync(model, SplitPlanner.Automatic);

        // Four light blocks then one four times heavier: only register 4 gives each stage about half.
        Assert.True(plan.Measured);
        Assert.Equal(4, plan.Register);
        Assert.Equal(5, plan.BlockTimes.Count);
        Assert.True(plan.BlockTimes[4] > 2 * plan.BlockTimes.Take(4).Max(), $"the heavy block measured {plan}");
        Assert.Contains("stage 1", plan.ToString());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(9, 4)]
    public async Task Plan_SplitSetByHand_WinsWithoutMeasuringAndStopsAtTheLastBoundary(int configured, int expected)
    {
        using var model = Skewed();
        var plan = await new SplitPlanner(batchSize: 128, CPU).PlanAsync(model, configured);

        Assert.Equal(expected, plan.Register);
        Assert.False(plan.Measured);
    }

    [Fact]
    public async Task Plan_Automatic_LeavesBatchNormStatisticsAsTheyWere()
    {
        using var model = ModelCatalog.Create(ModelCatalog.SwingCnn, 3, seed: 5);
        var before = model.named_buffers().Select(b => b.buffer.detach().clone()).ToArray();

        var plan = await new SplitPlanner(batchSize: 8, CPU, measuredBatches: 1).PlanAsync(model, SplitPlanner.Automatic);

        Assert.InRange(plan.Register, 1, model.Blocks.Count - 1);
        Assert.NotEmpty(before);
        Assert.All(model.named_buffers().Zip(before), p => Assert.True(p.First.buffer.equal(p.Second).all().item<bool>(), $"{p.First.name} changed"));
    }

    [Fact]
    public async Task Plan_OneBlockModel_RefusesWithAReason()
    {
        using var model = new BlockSequence("one-block", 2, false, [4], ModelBlock.Linear("only", 4, 2, new Random(1)));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new SplitPlanner(8, CPU).PlanAsync(model, SplitPlanner.Automatic));
        Assert.Contains("at least two", error.Message);
    }

    /// <summary>Four 512×512 linear blocks, then a 512×2048 one: forward and backward cost four times theirs.</summary>
    private static BlockSequence Skewed()
    {
        var random = new Random(3);
        return new BlockSequence("skewed", 2048, false, [512],
            [.. Enumerable.Range(0, 4).Select(i => ModelBlock.Linear($"light{i}", 512, 512, random)), ModelBlock.Linear("heavy", 512, 2048, random)]);
    }
}
