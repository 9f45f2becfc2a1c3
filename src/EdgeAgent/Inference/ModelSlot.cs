using Pipeline.Models;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// The model an agent is running, swapped atomically between two inferences: <see cref="Swap"/> replaces it
/// with one <see cref="Interlocked.Exchange{T}(ref T, T)"/>, and the old model lives on until the inference
/// holding it finishes.
/// </summary>
internal sealed class ModelSlot : IDisposable
{
    private ModelLease? _current;

    public int? Version => Volatile.Read(ref _current)?.Version;

    /// <summary>A hold on the current model that the caller must dispose, or null when none is loaded.</summary>
    public ModelLease? Acquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (current is null)
            {
                return null;
            }

            if (current.TryAcquire())
            {
                return current;
            }

            // Lost a race with a swap that released this model: the slot already holds the new one.
        }
    }

    /// <summary>Makes <paramref name="model"/> current; the slot now owns it.</summary>
    public void Swap(IInferenceModel model)
    {
        var previous = Interlocked.Exchange(ref _current, new ModelLease(model));
        previous?.Dispose();
    }

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Dispose();
}
