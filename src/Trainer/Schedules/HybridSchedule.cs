using System.Threading.Channels;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>
/// The paper's hybrid: the first <paramref name="pipelinedSteps"/> minibatches train with <see cref="StaleWeightPipeline"/>
/// (fast, stage 1 one update stale), the rest without pipelining (every gradient fresh), which recovers the accuracy
/// that staleness costs. At the switch the pipeline drains (its last minibatches' backward and updates run), then
/// training continues on the same model, the same minibatch stream and the same two optimisers: parameters and
/// momentum buffers carry on, nothing is re-initialised. The non-pipelined part keeps each block on its stage's
/// device and runs the two stages one after the other, so no weights or momentum move between devices.
/// </summary>
internal sealed class HybridSchedule(double learningRate, double momentum, int register, IReadOnlyList<Device> devices, int pipelinedSteps) : ITrainingSchedule
{
    public const string ScheduleName = "hybrid";

    private readonly StaleWeightPipeline _pipeline = new(learningRate, momentum, register, devices);

    public string Name => ScheduleName;

    public int? Register => register;

    /// <summary>Minibatches trained pipelined before the switch.</summary>
    public int PipelinedSteps => pipelinedSteps;

    /// <summary>
    /// Minibatches trained so far on the model of <see cref="OptimizersFor"/>, across calls: a round trains epoch by epoch,
    /// and the switch happens after <see cref="PipelinedSteps"/> of them in all. A resumed round sets it to the steps its
    /// checkpoint had done.
    /// </summary>
    public int StepsTrained { get; set; }

    public IReadOnlyList<OutOfPlaceSgd> OptimizersFor(BlockSequence model) => _pipeline.OptimizersFor(model);

    /// <summary>The pipelined part's stage times; the non-pipelined part has no concurrent stages.</summary>
    public IReadOnlyList<TimeSpan> StageBusyTimes => _pipeline.StageBusyTimes;

    public async Task TrainAsync(BlockSequence model, ChannelReader<TrainingBatch> batches, Action<StepResult>? onStep, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pipelinedSteps);
        StaleWeightPipeline.CheckStages(model, register, devices);
        var optimizers = OptimizersFor(model);
        var (stage1, stage2) = (optimizers[0], optimizers[1]);
        void Counted(StepResult step)
        {
            StepsTrained++;
            onStep?.Invoke(step);
        }

        await _pipeline.TrainAsync(model, new FirstItemsReader<TrainingBatch>(batches, Math.Max(0, pipelinedSteps - StepsTrained)), Counted, stage1, stage2, cancellationToken);
        await StageThread.Start("train-hybrid-non-pipelined", 1, () => TrainSequentially(model, batches, Counted, stage1, stage2, cancellationToken));
    }

    private void TrainSequentially(BlockSequence model, ChannelReader<TrainingBatch> batches, Action<StepResult>? onStep, OutOfPlaceSgd stage1, OutOfPlaceSgd stage2, CancellationToken cancellationToken)
    {
        model.train();
        var stage1Count = stage1.Slots.Count;
        while (BlockingChannel.TryRead(batches, cancellationToken, out var batch))
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                var used = stage1.Slots.Concat(stage2.Slots).Select(s => s.Current).ToArray();
                var features = model.ForwardRange(0, register, batch.Inputs.to(devices[0]), batch.Auxiliary.to(devices[0]));
                var output = model.ForwardRange(register, model.Blocks.Count, features.to(devices[1]), batch.Auxiliary.to(devices[1]));
                var loss = TrainingLoss.Compute(model, output, batch);
                var gradients = autograd.grad([loss], used);
                foreach (var old in stage1.Step([.. gradients.Take(stage1Count)]).Concat(stage2.Step([.. gradients.Skip(stage1Count)])))
                {
                    old.Dispose();
                }

                onStep?.Invoke(new StepResult(batch.Epoch, loss.item<float>(), batch.Size, TrainingLoss.CountCorrect(model, output, batch)));
            }
        }
    }
}
