using System.Threading.Channels;

namespace Pipeline.Trainer.Schedules;

/// <summary>
/// A view of a channel that yields only its first <paramref name="count"/> items and then reports completion,
/// leaving the rest in the channel for the next reader. The hybrid schedule hands it to the pipelined part so
/// the non-pipelined part continues with the very next minibatch, in the same order, with nothing read ahead.
/// Single reader only.
/// </summary>
internal sealed class FirstItemsReader<T>(ChannelReader<T> inner, int count) : ChannelReader<T>
{
    private int _taken;

    public override bool TryRead(out T item)
    {
        if (_taken < count && inner.TryRead(out item!))
        {
            _taken++;
            return true;
        }

        item = default!;
        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _taken < count ? inner.WaitToReadAsync(cancellationToken) : ValueTask.FromResult(false);
}
