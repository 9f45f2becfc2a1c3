using static TorchSharp.torch;

namespace Pipeline.Trainer.Dataset;

/// <summary>
/// A minibatch as tensors, created outside any dispose scope: whoever takes it from the channel owns it and disposes it.
/// <see cref="Auxiliary"/> is [B × 1], <see cref="Labels"/> int64 [B], <see cref="Concentration"/> [B].
/// </summary>
public sealed record TrainingBatch(int Epoch, Tensor Inputs, Tensor Auxiliary, Tensor Labels, Tensor Concentration) : IDisposable
{
    public int Size => (int)Labels.shape[0];

    public void Dispose()
    {
        Inputs.Dispose();
        Auxiliary.Dispose();
        Labels.Dispose();
        Concentration.Dispose();
    }
}
