using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Schedules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Tests;

public class HybridScheduleTests
{
    private const double LearningRate = 0.5;
    private const double Momentum = 0.5;
    private static readonly Device[] CpuCpu = [CPU, CPU];

    [Fact]
    public async Task Hybrid_TinyLinearModel_StaleBeforeTheSwitchFreshAfterWithMomentumCarriedAcross()
    {
        const int switchStep = 4;
        var batches = TinyTwoStageReplay.Batches(8);
        using var model = TinyTwoStageReplay.Model();
        var steps = new List<StepResult>();

        var channel = BatchProducer.CreateChannel(2);
        var feed = TinyTwoStageReplay.FeedAsync(channel.Writer, batches);
        var hybrid = new HybridSchedule(LearningRate, Momentum, register: 1, CpuCpu, pipelinedSteps: switchStep);
        await hybrid.TrainAsync(model, channel.Reader, steps.Add, CancellationToken.None);
        await feed;

        var trained = TinyTwoStageReplay.Weights(model);
        var expected = TinyTwoStageReplay.Replay(batches, t => t < switchStep ? StaleWeightPipeline.Staleness : 0, LearningRate, Momentum);
        Assert.True(TinyTwoStageReplay.AllClose(trained, expected), "the weights differ from k=1 staleness before the switch and none after it");
        Assert.False(TinyTwoStageReplay.AllClose(trained, TinyTwoStageReplay.Replay(batches, _ => StaleWeightPipeline.Staleness, LearningRate, Momentum)),
            "the weights match pipelining throughout: the schedule never switched");
        Assert.False(TinyTwoStageReplay.AllClose(trained, TinyTwoStageReplay.Replay(batches, t => t < switchStep ? 1 : 0, LearningRate, Momentum, resetMomentumAt: switchStep)),
            "the weights match momentum restarted at the switch: the optimiser state was not carried across");
        Assert.Equal(batches.Length, steps.Count);
        Assert.Equal(2, hybrid.StageBusyTimes.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(20)]
    public async Task Hybrid_SwitchAtEitherEnd_TrainsEveryBatchByThatOneRule(int pipelinedSteps)
    {
        var batches = TinyTwoStageReplay.Batches(8);
        using var model = TinyTwoStageReplay.Model();

        var channel = BatchProducer.CreateChannel(2);
        var feed = TinyTwoStageReplay.FeedAsync(channel.Writer, batches);
        await new HybridSchedule(LearningRate, Momentum, register: 1, CpuCpu, pipelinedSteps).TrainAsync(model, channel.Reader, null, CancellationToken.None);
        await feed;

        var staleness = pipelinedSteps == 0 ? 0 : StaleWeightPipeline.Staleness;
        Assert.True(TinyTwoStageReplay.AllClose(TinyTwoStageReplay.Weights(model), TinyTwoStageReplay.Replay(batches, _ => staleness, LearningRate, Momentum)));
    }
}
