using Pipeline.Models;
using Pipeline.Models.Architecture;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>
/// SGD with momentum over a fixed list of parameter slots (one pipeline stage, or a whole model) that never writes
/// into a parameter: each step builds a new tensor and swaps it into the model's slot. Why: in the stale-weight
/// pipeline, stage 1 updates while the backward of a minibatch it already forwarded is still pending, and that
/// graph saved the parameter; an in-place update would bump the tensor's version and libtorch would refuse the
/// backward ("modified by an inplace operation"). Out of place, the pending graph simply keeps the previous tensor
/// alive until its backward runs, which is one extra copy per parameter per minibatch in flight, never a stash of
/// all weight versions. Gradients are passed in (from torch.autograd.grad against the tensors the forward used)
/// rather than read from .grad, because those may no longer be the slot's current tensors.
/// The momentum buffers belong to the optimiser, not to a schedule, so the hybrid schedule carries them from its
/// pipelined part into its non-pipelined part.
/// </summary>
public sealed class OutOfPlaceSgd(IReadOnlyList<ParameterSlot> slots, double learningRate, double momentum)
{
    private readonly Tensor?[] _velocity = new Tensor?[slots.Count];

    // Built once and held for the optimiser's life, and passed explicitly: see TorchScalars for why a Scalar must never
    // be converted from a number inside a call.
    private Scalar _descent = -learningRate;
    private Scalar _decay = 0.0;
    private double _weightDecay;
    private readonly Scalar _momentum = momentum;

    // Momentum read back from a checkpoint, kept on the CPU until the first step puts it on its parameter's device
    // (a schedule moves blocks to their devices only when it starts training).
    private readonly float[]?[] _restored = new float[]?[slots.Count];

    /// <summary>Set between epochs by a learning-rate schedule, never while a step runs.</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _descent.Dispose();
            (learningRate, _descent) = (value, -value);
        }
    }

    /// <summary>L2 weight decay: each step descends along gradient + decay · parameter (as torch.optim.SGD's weight_decay). Set between epochs.</summary>
    public double WeightDecay
    {
        get => _weightDecay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _decay.Dispose();
            (_weightDecay, _decay) = (value, value);
        }
    }

    /// <summary>The parameters this optimiser updates, in the order <see cref="Step"/> expects their gradients.</summary>
    public IReadOnlyList<ParameterSlot> Slots => slots;

    /// <summary>Each parameter's momentum buffer as CPU floats (null before its first step), for a checkpoint.</summary>
    public IReadOnlyList<float[]?> ExportVelocity() =>
        [.. _velocity.Select((v, i) => v is null ? _restored[i] : CpuFloats(v))];

    private static float[] CpuFloats(Tensor velocity)
    {
        using var onCpu = velocity.cpu();
        return onCpu.data<float>().ToArray();
    }

    /// <summary>Takes momentum buffers written by <see cref="ExportVelocity"/>; each must match its parameter's element count.</summary>
    public void RestoreVelocity(IReadOnlyList<float[]?> velocity)
    {
        if (velocity.Count != slots.Count)
        {
            throw new ArgumentException($"{velocity.Count} momentum buffers for {slots.Count} parameters", nameof(velocity));
        }

        for (var i = 0; i < slots.Count; i++)
        {
            if (velocity[i] is { } values && values.Length != slots[i].Current.numel())
            {
                throw new ArgumentException($"momentum buffer {i} holds {values.Length} values; its parameter has {slots[i].Current.numel()}", nameof(velocity));
            }

            _velocity[i]?.Dispose();
            _velocity[i] = null;
            _restored[i] = velocity[i];
        }
    }

    /// <summary>Applies one update; returns the replaced tensors, which the caller disposes once no pending graph needs them.</summary>
    public IReadOnlyList<Parameter> Step(IReadOnlyList<Tensor> gradients)
    {
        if (slots.Count != gradients.Count)
        {
            throw new ArgumentException($"{gradients.Count} gradients for {slots.Count} parameters", nameof(gradients));
        }

        using var noGrad = no_grad();
        var replaced = new Parameter[slots.Count];
        for (var i = 0; i < slots.Count; i++)
        {
            var current = slots[i].Current;
            using var decayed = _weightDecay > 0 ? gradients[i].add(current, _decay) : null;
            var gradient = decayed ?? gradients[i];
            Tensor direction = gradient;
            if (momentum > 0)
            {
                var velocity = _velocity[i] ??= (_restored[i] is { } restored
                    ? tensor(restored, current.shape).to(current.device)
                    : zeros_like(current)).DetachFromDisposeScope();
                _restored[i] = null;
                velocity.mul_(_momentum).add_(gradient, TorchScalars.One);
                direction = velocity;
            }

            // One fused op (current − lr·direction) instead of a multiply, a detach and a subtract: a stage's update
            // is a run of tiny ops whose fixed per-op cost adds to the stage's time every minibatch. Under no_grad the
            // result records no graph.
            using var updated = current.add(direction, _descent);
            var parameter = new Parameter(updated, requires_grad: true);
            parameter.DetachFromDisposeScope();
            replaced[i] = current;
            slots[i].Replace(parameter);
        }

        return replaced;
    }
}
