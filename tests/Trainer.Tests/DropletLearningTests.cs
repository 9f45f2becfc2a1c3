using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Simulation.Microscope;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Evaluation;
using Pipeline.Trainer.Schedules;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Pipeline.Tasks.Droplet;
using Pipeline.Tasks;
using Pipeline.Trainer.Checkpoints;
using Pipeline.Trainer.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Pipeline.Trainer.Tests;

/// <summary>The droplet task end to end on simulated frames: what the trainer does in a round, minus the store.</summary>
public class DropletLearningTests(ITestOutputHelper output)
{
    private static readonly int VocCount = DropletMicroscopeSimulator.Vocs.Count;

    // The recipe `pipeline train` uses: SGD with momentum at 0.02 following a half-cosine to zero over the 20 epochs. At a
    // constant rate the last epoch's figure swung by up to 17 points from one epoch to the next, so the same seeds gave
    // 84.9 % on one machine and 75.0 % on another (float rounding differs between CPUs and training amplifies it); over
    // model and data-order seeds (1, 9), (2, 5), (3, 7) it gave 75.0, 83.9 and 84.5 %. With the cosine schedule the
    // last epochs settle: before the touching-droplet split, 87.8, 87.8 and 90.1 % non-pipelined and 90.5, 90.5 and
    // 86.5 % pipelined (concentration MAE 0.30-0.31 % v/v); with it, which cuts 5 of the 1169 held-out droplets
    // differently, 86.2 % and 81.6 % (MAE 0.31 and 0.33) at seeds (1, 9). A few changed crops move a run by points, so
    // the bars sit about four points under the lowest figure: a change that costs the task real accuracy fails, rounding does not.
    [Theory]
    [InlineData(NonPipelinedSchedule.ScheduleName, 0.82, 0.40)]
    [InlineData(StaleWeightPipeline.ScheduleName, 0.78, 0.40)]
    public async Task DropletCnn_SimulatedDroplets_ClassifiesHeldOutFramesWellAboveChance(string scheduleName, double minAccuracy, double maxConcentrationMae)
    {
        const double LearningRate = 0.02;
        // Films that keep a gap between droplets, so these figures compare with those measured before the simulator
        // rendered touching droplets; docs/TRAINING.md gives the figures with them, over several seeds.
        var (train, heldOut) = SimulatedDroplets.Render(sessions: 200, seed: 1, touchingShare: 0);
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, VocCount, seed: 1);
        ITrainingSchedule schedule = scheduleName == StaleWeightPipeline.ScheduleName
            ? new StaleWeightPipeline(LearningRate, 0.9, register: 1, [CPU, CPU])
            : new NonPipelinedSchedule(LearningRate, 0.9, CPU);
        var recipe = new TrainingSettings([CPU])
        {
            LearningRate = LearningRate,
            LearningRateSchedule = LearningRateSchedule.Cosine,
            Augmentation = TaskRegistry.BuiltIn.Find(LearningTasks.Droplet).Augmentation,
        };
        var data = new TrainingData(LearningTasks.Droplet, [.. DropletMicroscopeSimulator.Vocs.Select(v => v.Name)], train, HeldOut: []);
        var training = new ResumableTraining(checkpointPath: null, NullLogger.Instance)
            .TrainAsync(model, schedule, data, batchSize: 32, epochs: 20, seed: 9, settings: scheduleName, onEpoch: null, CancellationToken.None, recipe: recipe);
        await Bounded.WithinAsync(training, TimeSpan.FromMinutes(8), $"{scheduleName} training of droplet-cnn");

        // The run re-estimated the batch-norm statistics after its last epoch; the held-out examples only measure.
        var metrics = await Task.Factory.StartNew(() => Evaluator.Evaluate(model, heldOut), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Chance is 1/11 (9%); degradation, slow VOCs at low concentration and two deliberately close pairs keep
        // single frames from being easy. Accuracy is per frame (the mean of its droplets' probabilities), as the edge
        // answers; see docs/TRAINING.md for the measured numbers, before and after per-droplet crops.
        output.WriteLine($"{scheduleName}: held-out frame accuracy {metrics.Accuracy:P1} on {metrics.HeldOutExamples} frames, droplet accuracy {metrics.DropletAccuracy:P1} on {heldOut.Count} droplets, concentration MAE {metrics.ConcentrationMae:F2}");
        output.WriteLine($"{scheduleName}: per frame macro-F1 {metrics.MacroF1:F3} MAE {metrics.ConcentrationMae:F3} % v/v; per droplet macro-F1 {metrics.DropletMacroF1:F3} MAE {metrics.DropletConcentrationMae:F3} % v/v");
        Assert.True(metrics.Accuracy >= minAccuracy, $"{scheduleName}: held-out frame accuracy {metrics.Accuracy:P1} on {metrics.HeldOutExamples} frames, droplet accuracy {metrics.DropletAccuracy:P1} on {heldOut.Count} droplets");
        Assert.NotNull(metrics.DropletAccuracy);
        Assert.InRange(metrics.DropletMacroF1!.Value, 0, 1);
        Assert.True(metrics.DropletConcentrationMae <= 2 * maxConcentrationMae, $"{scheduleName}: concentration MAE per droplet {metrics.DropletConcentrationMae:F2} % v/v");
        Assert.True(metrics.ConcentrationMae <= maxConcentrationMae, $"{scheduleName}: concentration MAE {metrics.ConcentrationMae:F2} % v/v");
    }

    [Fact]
    public void Recalibrate_OnTheEvaluatedBatch_MakesEvalModeMatchTrainingMode()
    {
        var (train, _) = SimulatedDroplets.Render(sessions: 10, seed: 3);
        var examples = train.Take(64).ToList();
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, VocCount, seed: 2);
        using var noGrad = no_grad();
        using var batch = BatchProducer.Create(0, examples, model.InputShape);
        model.train();
        using var trainingMode = model.forward(batch.Inputs, batch.Auxiliary);
        model.eval();
        using var before = model.forward(batch.Inputs, batch.Auxiliary);

        BatchNormCalibration.Recalibrate(model, examples);
        using var after = model.forward(batch.Inputs, batch.Auxiliary);

        Assert.False(before.allclose(trainingMode, rtol: 0.05, atol: 0.05), "untouched running statistics already matched the batch");
        Assert.True(after.allclose(trainingMode, rtol: 0.05, atol: 0.05), "eval mode after recalibration differs from training mode on the same batch");
    }

    [Fact]
    public void HeldOutSplit_DropletExamples_KeepEverySessionOnOneSide()
    {
        var (train, heldOut) = SimulatedDroplets.Render(sessions: 30, seed: 5);

        Assert.NotEmpty(heldOut);
        Assert.Empty(train.Select(e => e.SessionKey).Intersect(heldOut.Select(e => e.SessionKey)));
        Assert.True(train.Count > 30 * 8 * 2, $"{train.Count} training droplets from about 24 sessions of 8 frames: expected several per frame");
        Assert.All(train.Concat(heldOut), e => Assert.Equal(DropletSegmenter.CropSide * DropletSegmenter.CropSide, e.Input.Length));
    }

    [Fact]
    public void Evaluate_DropletsOfOneFrame_AreJudgedTogetherByTheirMeanProbabilities()
    {
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, VocCount, seed: 6);
        var (_, heldOut) = SimulatedDroplets.Render(sessions: 20, seed: 6);

        var metrics = Evaluator.Evaluate(model, heldOut);

        Assert.Equal(heldOut.Select(e => e.FrameKey).Distinct().Count(), metrics.HeldOutExamples);
        Assert.InRange(metrics.DropletAccuracy!.Value, 0, 1);
        Assert.InRange(metrics.DropletMacroF1!.Value, 0, 1);
        Assert.NotNull(metrics.DropletConcentrationMae);
        var unframed = Evaluator.Evaluate(model, heldOut.Select(e => e with { FrameKey = null }).ToList());
        Assert.Null(unframed.DropletAccuracy);
        Assert.Null(unframed.DropletMacroF1);
        Assert.Null(unframed.DropletConcentrationMae);
    }

    [Fact]
    public void Evaluate_OneDropletPerFrame_JudgesFramesAndDropletsAlike()
    {
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, VocCount, seed: 7);
        var (_, heldOut) = SimulatedDroplets.Render(sessions: 20, seed: 7);
        var single = heldOut.Select((e, i) => e with { FrameKey = $"frame/{i}" }).ToList();

        var metrics = Evaluator.Evaluate(model, single);

        Assert.Equal(single.Count, metrics.HeldOutExamples);
        Assert.Equal(metrics.Accuracy, metrics.DropletAccuracy!.Value, 9);
        Assert.Equal(metrics.MacroF1, metrics.DropletMacroF1!.Value, 9);
        Assert.Equal(metrics.ConcentrationMae!.Value, metrics.DropletConcentrationMae!.Value, 5);
    }

    [Fact]
    public void Create_DropletCnn_StartsConcentrationMidRange()
    {
        using var model = ModelCatalog.Create(ModelCatalog.DropletCnn, VocCount, seed: 4);
        var bias = model.Blocks[^1].Layers[^1].GetParameter(1);
        Assert.Equal(ModelCatalog.InitialConcentrationPercent, bias[VocCount].item<float>());
    }

    [Fact]
    public void Turn_FourQuarterTurns_ReturnTheOriginalAndOneTurnMovesACorner()
    {
        int[] shape = [1, 3, 3];
        var example = new Example("d/s", [1, 2, 3, 4, 5, 6, 7, 8, 9], 0f, 0, 0f);
        var turned = example;
        for (var i = 0; i < 4; i++)
        {
            turned = QuarterTurns.Turn(turned, shape, 1);
        }

        Assert.Equal(example.Input, turned.Input);
        Assert.Equal<float>([3, 6, 9, 2, 5, 8, 1, 4, 7], QuarterTurns.Turn(example, shape, 1).Input);
        Assert.NotNull(ExampleAugmenter.Problem(Augmentation.QuarterTurns, [8, 512]));
    }
}
