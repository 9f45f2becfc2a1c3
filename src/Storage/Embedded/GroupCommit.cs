using System.Runtime.ExceptionServices;

namespace Pipeline.Storage.Embedded;

/// <summary>
/// Fsyncs the device logs a checkpoint covers (those written since the last one), together: each fsync blocks its thread for milliseconds, so they run on
/// dedicated threads (not the thread pool's few, two on a two-core machine) and reach the disk at the same time. The
/// threads are bounded: a thread per log cost a thousand thread starts per write at a thousand devices (a write of 6000
/// batches over 1000 devices took 7.3-8.6 s that way, 1.6-2.3 s on 16 threads), while 4, 16 or 64 threads commit
/// alike: the disk's journal, not the thread count, sets the pace.
/// </summary>
internal static class GroupCommit
{
    private const int MaxThreads = 16;

    /// <summary>Commits every log, even after one fails; says which committed, then rethrows the first failure.</summary>
    /// <param name="onCommitted">Called once the commits are over, with whether each log's commit succeeded.</param>
    public static async Task CommitAsync(IReadOnlyList<AppendOnlyLog> logs, Action<bool[]> onCommitted)
    {
        var failures = new Exception?[logs.Count];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(MaxThreads, logs.Count))
            .Select(_ => Task.Factory.StartNew(() =>
            {
                for (var i = Interlocked.Increment(ref next); i < logs.Count; i = Interlocked.Increment(ref next))
                {
                    try
                    {
                        logs[i].Commit();
                    }
                    catch (Exception e)
                    {
                        failures[i] = e;
                    }
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToList();
        await Task.WhenAll(workers);
        onCommitted([.. failures.Select(f => f is null)]);
        if (failures.FirstOrDefault(f => f is not null) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }
}
