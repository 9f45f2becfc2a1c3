namespace Pipeline.Durability.Logs;

/// <summary>
/// Appends to a <see cref="SegmentedLog"/> at once and makes them durable on a thread of its own: each append gets a task
/// that completes when an fsync covering it is done, so the appender can prepare and append its next records while the
/// disk works on the last ones, and one fsync covers every append made before it started (group commit).
/// When an fsync fails, every append not covered by an earlier one fails with it, including those made while it ran: on
/// Linux a failed fsync may have dropped any of the dirty pages, so none of them can be trusted. Their bytes are cut off
/// the log before the next append, so a retry neither duplicates them nor becomes durable behind a hole. Thread-safe.
/// </summary>
public sealed class BackgroundCommit : IDisposable
{
    private readonly SegmentedLog _log;
    private readonly Thread _thread;

    // Guards the append sequence and the waiters; held across an append so that sequence order is file order. A monitor,
    // not a Lock: the thread waits on it for appends.
    private readonly object _gate = new();
    private readonly Queue<(long Sequence, TaskCompletionSource Durable)> _waiting = new();
    private long _appended;
    private bool _stopping;

    public BackgroundCommit(SegmentedLog log, string threadName)
    {
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    /// <summary>
    /// Appends framed records (<see cref="SegmentedLog.Append"/>) without waiting for the disk; returns the segment they went
    /// to and a task that completes once they are fsync'd, or fails when the fsync that should have covered them failed.
    /// An append that fails (a full disk) throws here and leaves nothing.
    /// </summary>
    public (long Segment, Task Durable) Append(ReadOnlySpan<byte> frames)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            var (segment, _) = _log.Append(frames);
            _waiting.Enqueue((++_appended, durable));
            Monitor.Pulse(_gate);
            return (segment, durable.Task);
        }
    }

    /// <summary>Waits for the appends made so far to be committed (or failed), then stops the thread.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }

        _thread.Join();
    }

    private void Run()
    {
        while (true)
        {
            long through;
            lock (_gate)
            {
                while (_waiting.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_waiting.Count == 0)
                {
                    return;
                }

                // Read before the fsync starts: the fsync covers at least what was appended by now.
                through = _appended;
            }

            try
            {
                _log.Sync();
            }
            catch (Exception e)
            {
                Fail(e);
                continue;
            }

            foreach (var durable in Take(through))
            {
                durable.SetResult();
            }
        }
    }

    private void Fail(Exception cause)
    {
        List<TaskCompletionSource> failed;
        lock (_gate)
        {
            // Under the gate: no append slips in between the cut and the waiters it fails. A cut that fails seals the segment
            // as it is (SegmentedLog.DiscardUnsynced); the waiters fail either way.
            try
            {
                _log.DiscardUnsynced();
            }
            catch (ObjectDisposedException)
            {
            }

            failed = [.. _waiting.Select(w => w.Durable)];
            _waiting.Clear();
        }

        var error = new IOException($"fsync of the log in {_log.Folder} failed, so its last appends are not durable and were cut off: {cause.Message}", cause);
        foreach (var durable in failed)
        {
            durable.SetException(error);
        }
    }

    private List<TaskCompletionSource> Take(long through)
    {
        var taken = new List<TaskCompletionSource>();
        lock (_gate)
        {
            while (_waiting.TryPeek(out var next) && next.Sequence <= through)
            {
                taken.Add(_waiting.Dequeue().Durable);
            }
        }

        return taken;
    }
}
