using System.Threading.Channels;

namespace Pipeline.Trainer.Schedules;

/// <summary>
/// Channel access for the stage threads, which run synchronous torch code (grad mode and dispose scopes are per
/// thread and would be lost across an await), so they block on the channel instead of awaiting it.
/// </summary>
internal static class BlockingChannel
{
    public static bool TryRead<T>(ChannelReader<T> reader, CancellationToken cancellationToken, out T item)
    {
        while (reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
        {
            if (reader.TryRead(out item!))
            {
                return true;
            }
        }

        item = default!;
        return false;
    }

    public static void Write<T>(ChannelWriter<T> writer, T item, CancellationToken cancellationToken) =>
        writer.WriteAsync(item, cancellationToken).AsTask().GetAwaiter().GetResult();
}
