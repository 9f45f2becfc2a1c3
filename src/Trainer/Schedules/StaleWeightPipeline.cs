using System.Collections.Concurrent;
using System.Threading.Channels;
using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>
/// Pipelined backpropagation with stale weights (Zhang &amp; Abdelrahman, arXiv 1912.12675): the block sequence
/// is cut at a pipeline register (before block <see cref="Register"/>) into two stages, each on its own
/// device and its own thread. Activations flow forward and gradients backward through bounded blocking hand-offs.
/// There is no micro-batching and no weight stashing: each stage updates as soon as its gradient is ready.
///
/// Schedule (exact, whatever the thread timing): stage 1 keeps two minibatches in flight. It forwards 0 and 1,
/// then repeats "backward and update for the oldest, forward the next": F0 F1 B0 F2 B1 F3 B2 … While stage 2
/// runs forward and backward of minibatch i, stage 1 runs forward of i+1. Stage 1's forward of minibatch t
/// (t ≥ 1) therefore ran with its weights after t−1 updates, and its update t+1 applies a gradient computed
/// with the weights of one update earlier: W₁(t+1) = W₁(t) − lr·∇W₁ L(W₁(t−1); batch t). Staleness k = 1.
/// Stage 2 runs forward and backward back to back on the same weights, so it is never stale.
/// </summary>
internal sealed class StaleWeightPipeline(double learningRate, double momentum, int register, IReadOnlyList<Device> devices) : ITrainingSchedule
{
    public const string ScheduleName = "pipelined";

    /// <summary>Updates by which stage 1's gradients lag its weights.</summary>
    public const int Staleness = 1;

    private readonly TimeSpan[] _busy = new TimeSpan[2];

    public string Name => ScheduleName;

    public int? Register => register;

    /// <summary>How long each stage computed (forward, backward, update) during the last training, waits on the other stage excluded.
    /// The slower stage bounds the pipeline.</summary>
    public IReadOnlyList<TimeSpan> StageBusyTimes => [.. _busy];

    private (BlockSequence Model, OutOfPlaceSgd[] Optimizers)? _kept;

    public IReadOnlyList<OutOfPlaceSgd> OptimizersFor(BlockSequence model)
    {
        if (_kept is not { } kept || !ReferenceEquals(kept.Model, model))
        {
            CheckStages(model, register, devices);
            _kept = kept = (model, [
                new OutOfPlaceSgd(model.ParameterSlots(0, register), learningRate, momentum),
                new OutOfPlaceSgd(model.ParameterSlots(register, model.Blocks.Count), learningRate, momentum)]);
        }

        return kept.Optimizers;
    }

    private sealed record Activation(TrainingBatch Batch, Tensor Features);

    public Task TrainAsync(BlockSequence model, ChannelReader<TrainingBatch> batches, Action<StepResult>? onStep, CancellationToken cancellationToken)
    {
        var optimizers = OptimizersFor(model);
        return TrainAsync(model, batches, onStep, optimizers[0], optimizers[1], cancellationToken);
    }

    /// <summary>Refuses a register that does not fall between two blocks, or a device list that is not one device per stage.</summary>
    internal static void CheckStages(BlockSequence model, int register, IReadOnlyList<Device> devices)
    {
        if (register < 1 || register >= model.Blocks.Count)
        {
            throw new InvalidOperationException($"the pipeline register {register} is out of range: it must fall between blocks, 1..{model.Blocks.Count - 1} for {model.Architecture}");
        }

        if (devices.Count != 2)
        {
            throw new InvalidOperationException($"the pipeline has two stages and needs two devices; got {devices.Count}");
        }
    }

    /// <summary>Trains with the given stage optimisers, whose momentum buffers outlive this call (the hybrid schedule continues with them).</summary>
    internal Task TrainAsync(BlockSequence model, ChannelReader<TrainingBatch> batches, Action<StepResult>? onStep, OutOfPlaceSgd stage1Optimizer, OutOfPlaceSgd stage2Optimizer, CancellationToken cancellationToken)
    {
        CheckStages(model, register, devices);
        Array.Clear(_busy);
        DeviceMoves.MoveBlocks(model, 0, register, devices[0]);
        DeviceMoves.MoveBlocks(model, register, model.Blocks.Count, devices[1]);
        model.train();
        // Stage to stage, blocking hand-offs of one item each way: the writing thread wakes the waiting one directly. A
        // channel read by blocking on WaitToReadAsync (as the minibatch feed is) completes its waiter through the
        // thread pool: two wake-ups and a free pool thread per hand-off, on the critical path of every step.
        var forward = new BlockingCollection<Activation>(new ConcurrentQueue<Activation>(), 1);
        var backward = new BlockingCollection<Tensor>(new ConcurrentQueue<Tensor>(), 1);
        // Disposed by WhenBothAsync once both stages are done: TrainAsync returns before they finish, and a stage
        // that fails cancels it, which unblocks the other stage.
        var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failed.Token;

        var stage1 = StageThread.Start("pipeline-stage-1", 1, () =>
        {
            try
            {
                RunStage1(model, stage1Optimizer, batches, forward, backward, token);
                forward.CompleteAdding();
            }
            catch
            {
                failed.Cancel();
                throw;
            }
        });
        var stage2 = StageThread.Start("pipeline-stage-2", 1, () =>
        {
            try
            {
                RunStage2(model, stage2Optimizer, forward, backward, onStep, token);
                backward.CompleteAdding();
            }
            catch
            {
                failed.Cancel();
                throw;
            }
        });
        return WhenBothAsync(stage1, stage2, forward, backward, failed);
    }

    private static async Task WhenBothAsync(Task stage1, Task stage2, BlockingCollection<Activation> forward, BlockingCollection<Tensor> backward, CancellationTokenSource failed)
    {
        using var owned = failed;
        using var ownedForward = forward;
        using var ownedBackward = backward;
        try
        {
            await Task.WhenAll(stage1, stage2);
        }
        finally
        {
            // After a failure, tensors may be left in the hand-offs: dispose them so nothing leaks.
            while (forward.TryTake(out var left))
            {
                left.Batch.Dispose();
                left.Features.Dispose();
            }

            while (backward.TryTake(out var gradient))
            {
                gradient.Dispose();
            }
        }
    }

    private void RunStage1(BlockSequence model, OutOfPlaceSgd optimizer, ChannelReader<TrainingBatch> batches, BlockingCollection<Activation> forward, BlockingCollection<Tensor> backward, CancellationToken token)
    {
        var device = devices[0];
        var slots = optimizer.Slots;
        var busy = new System.Diagnostics.Stopwatch();
        var pending = new Queue<(Tensor Output, Parameter[] Used)>();
        var retired = new List<Parameter>();
        var inputDone = false;
        try
        {
            while (true)
            {
                while (!inputDone && pending.Count < Staleness + 1)
                {
                    if (!BlockingChannel.TryRead(batches, token, out var batch))
                    {
                        inputDone = true;
                        break;
                    }

                    busy.Start();
                    var used = slots.Select(s => s.Current).ToArray();
                    using var input = batch.Inputs.to(device);
                    using var auxiliary = batch.Auxiliary.to(device);
                    var output = model.ForwardRange(0, register, input, auxiliary);
                    pending.Enqueue((output, used));
                    var features = DetachedTo(output, devices[1]);
                    busy.Stop();
                    forward.Add(new Activation(batch, features), token);
                }

                if (pending.Count == 0)
                {
                    return;
                }

                if (!backward.TryTake(out var gradient, Timeout.Infinite, token))
                {
                    throw new InvalidOperationException("stage 2 ended while stage 1 still waited for a gradient");
                }

                busy.Start();
                var (oldest, parameters) = pending.Dequeue();
                using (gradient)
                using (oldest)
                using (var scope = NewDisposeScope())
                {
                    var gradients = autograd.grad([oldest], parameters, [gradient.to(device)]);
                    retired.AddRange(optimizer.Step([.. gradients]));
                }

                // A replaced tensor may only go once no minibatch still in flight was forwarded with it.
                retired.RemoveAll(p =>
                {
                    if (pending.Any(q => q.Used.Any(u => ReferenceEquals(u, p))))
                    {
                        return false;
                    }

                    p.Dispose();
                    return true;
                });
                busy.Stop();
            }
        }
        finally
        {
            _busy[0] = busy.Elapsed;
            foreach (var (output, _) in pending)
            {
                output.Dispose();
            }
        }
    }

    /// <summary>
    /// A detached copy of <paramref name="output"/> on <paramref name="device"/>. The intermediate detached tensor is held
    /// in a variable until the move returns: unreferenced, as in a chained <c>output.detach().to(device)</c>, its
    /// finalizer may free the native tensor while the move still reads it (seen as "tensor does not have a device").
    /// </summary>
    private static Tensor DetachedTo(Tensor output, Device device)
    {
        using var detached = output.detach();
        return detached.to(device);
    }

    private void RunStage2(BlockSequence model, OutOfPlaceSgd optimizer, BlockingCollection<Activation> forward, BlockingCollection<Tensor> backward, Action<StepResult>? onStep, CancellationToken token)
    {
        var device = devices[1];
        var slots = optimizer.Slots;
        var busy = new System.Diagnostics.Stopwatch();
        while (forward.TryTake(out var activation, Timeout.Infinite, token))
        {
            busy.Start();
            Tensor inputGradient;
            using (activation.Batch)
            using (activation.Features)
            using (var scope = NewDisposeScope())
            {
                var features = activation.Features.requires_grad_(true);
                var used = slots.Select(s => s.Current).ToArray();
                using var auxiliary = activation.Batch.Auxiliary.to(device);
                var output = model.ForwardRange(register, model.Blocks.Count, features, auxiliary);
                var loss = TrainingLoss.Compute(model, output, activation.Batch);
                var gradients = autograd.grad([loss], [features, .. used]);
                inputGradient = gradients[0].DetachFromDisposeScope();
                foreach (var old in optimizer.Step([.. gradients.Skip(1)]))
                {
                    old.Dispose();
                }

                var step = new StepResult(activation.Batch.Epoch, loss.item<float>(), activation.Batch.Size, TrainingLoss.CountCorrect(model, output, activation.Batch));
                busy.Stop();
                onStep?.Invoke(step);
            }

            backward.Add(inputGradient, token);
        }

        _busy[1] = busy.Elapsed;
    }
}
