using Pipeline.Models;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// A reference-counted hold on one loaded model. The <see cref="ModelSlot"/> owns one reference while the
/// model is current; each inference takes another. The model is disposed when the last reference goes, so a
/// swap never disposes a model that an inference is still using.
/// </summary>
internal sealed class ModelLease : IDisposable
{
    private int _references = 1;

    internal ModelLease(IInferenceModel model)
    {
        Model = model;
    }

    public IInferenceModel Model { get; }

    public int Version => Model.Manifest.Version;

    /// <summary>Adds a reference unless the model is already being disposed.</summary>
    internal bool TryAcquire()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    public void Dispose()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Model.Dispose();
        }
    }
}
