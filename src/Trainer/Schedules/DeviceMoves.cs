using Pipeline.Models.Architecture;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>Puts a range of blocks on a stage's device, through the out-of-place parameter slots.</summary>
internal static class DeviceMoves
{
    public static void MoveBlocks(BlockSequence model, int from, int to, Device device)
    {
        foreach (var slot in model.ParameterSlots(from, to))
        {
            if (!Same(slot.Current.device, device))
            {
                // Each intermediate stays referenced (and is disposed) until the next call returns: see StaleWeightPipeline.DetachedTo.
                using var detached = slot.Current.detach();
                using var moved = detached.to(device);
                slot.Replace(new Parameter(moved, requires_grad: true));
            }
        }

        foreach (var block in model.Blocks.Skip(from).Take(to - from))
        {
            foreach (var (_, buffer) in block.named_buffers())
            {
                if (!Same(buffer.device, device))
                {
                    throw new NotSupportedException($"moving batch-norm statistics to {device} is not supported yet; train on cpu");
                }
            }
        }
    }

    // Device has reference equality; a tensor's device is a fresh object.
    private static bool Same(Device a, Device b) => a.type == b.type && Math.Max(a.index, 0) == Math.Max(b.index, 0);
}
