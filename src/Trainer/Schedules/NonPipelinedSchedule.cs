using System.Threading.Channels;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>The baseline: the whole model on one device, forward, backward and update per minibatch, no overlap.</summary>
internal sealed class NonPipelinedSchedule(double learningRate, double momentum, Device device, int torchThreads = 1) : ITrainingSchedule
{
    public const string ScheduleName = "non-pipelined";

    public string Name => ScheduleName;

    public int? Register => null;

    /// <summary>No stages: the whole model is one.</summary>
    public IReadOnlyList<TimeSpan> StageBusyTimes => [];

    private (BlockSequence Model, OutOfPlaceSgd[] Optimizers)? _kept;

    public IReadOnlyList<OutOfPlaceSgd> OptimizersFor(BlockSequence model)
    {
        if (_kept is not { } kept || !ReferenceEquals(kept.Model, model))
        {
            _kept = kept = (model, [new OutOfPlaceSgd(model.ParameterSlots(0, model.Blocks.Count), learningRate, momentum)]);
        }

        return kept.Optimizers;
    }

    public Task TrainAsync(BlockSequence model, ChannelReader<TrainingBatch> batches, Action<StepResult>? onStep, CancellationToken cancellationToken) =>
        StageThread.Start("train-non-pipelined", torchThreads, () =>
        {
            DeviceMoves.MoveBlocks(model, 0, model.Blocks.Count, device);
            model.train();
            var optimizer = OptimizersFor(model)[0];
            while (BlockingChannel.TryRead(batches, cancellationToken, out var batch))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var used = optimizer.Slots.Select(s => s.Current).ToArray();
                    var output = model.forward(batch.Inputs.to(device), batch.Auxiliary.to(device));
                    var loss = TrainingLoss.Compute(model, output, batch);
                    var gradients = autograd.grad([loss], used);
                    foreach (var old in optimizer.Step([.. gradients]))
                    {
                        old.Dispose();
                    }

                    onStep?.Invoke(new StepResult(batch.Epoch, loss.item<float>(), batch.Size, TrainingLoss.CountCorrect(model, output, batch)));
                }
            }
        });
}
