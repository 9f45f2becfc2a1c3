using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace Pipeline.Bench.Train;

/// <summary>
/// Round-trip time of one item between two dedicated threads, both ways, as the pipeline's two stage threads hand
/// activations forward and gradients back: through a bounded channel read by blocking on WaitToReadAsync (the
/// schedule's hand-off before this bench's change; its waiter is completed through the thread pool) and through a
/// bounded BlockingCollection (the hand-off now: the writer wakes the waiting thread itself).
/// </summary>
internal static class HandoffLatency
{
    public static double ChannelMicroseconds(int roundTrips, int repetitions) => Median(repetitions, () =>
    {
        var there = Channel.CreateBounded<int>(1);
        var back = Channel.CreateBounded<int>(1);
        return Measure(roundTrips,
            i => there.Writer.WriteAsync(i).AsTask().GetAwaiter().GetResult(),
            () => Read(there.Reader),
            i => back.Writer.WriteAsync(i).AsTask().GetAwaiter().GetResult(),
            () => Read(back.Reader));
    });

    public static double BlockingCollectionMicroseconds(int roundTrips, int repetitions) => Median(repetitions, () =>
    {
        using var there = new BlockingCollection<int>(new ConcurrentQueue<int>(), 1);
        using var back = new BlockingCollection<int>(new ConcurrentQueue<int>(), 1);
        return Measure(roundTrips, i => there.Add(i), there.Take, i => back.Add(i), back.Take);
    });

    private static int Read(ChannelReader<int> reader)
    {
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            if (reader.TryRead(out var item))
            {
                return item;
            }
        }

        throw new InvalidOperationException("the channel completed");
    }

    private static double Measure(int roundTrips, Action<int> send, Func<int> receive, Action<int> reply, Func<int> receiveReply)
    {
        var echo = new Thread(() =>
        {
            for (var i = 0; i < roundTrips; i++)
            {
                reply(receive());
            }
        }) { IsBackground = true, Name = "handoff-echo" };
        echo.Start();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < roundTrips; i++)
        {
            send(i);
            if (receiveReply() != i)
            {
                throw new InvalidOperationException("a hand-off reordered items");
            }
        }

        clock.Stop();
        echo.Join();
        return clock.Elapsed.TotalMicroseconds / roundTrips;
    }

    private static double Median(int repetitions, Func<double> measure)
    {
        var values = Enumerable.Range(0, repetitions).Select(_ => measure()).Order().ToArray();
        return values[values.Length / 2];
    }
}
