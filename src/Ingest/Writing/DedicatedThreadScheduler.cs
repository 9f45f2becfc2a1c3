using System.Collections.Concurrent;

namespace Pipeline.Ingest.Writing;

/// <summary>
/// Runs the tasks queued to it, in order, on one thread of its own. An async loop started on it (Task.Factory.StartNew
/// with this scheduler, then Unwrap) resumes there after each of its awaits, since an await resumes on the scheduler it
/// started on. Ingest runs its store writer this way: on a two-core node the thread pool kept the writer, the decode stage
/// and the MQTT handlers on one worker in turn for a quarter of a second at a time while the other core idled, and the
/// writer's fsyncs blocked that worker too. After <see cref="Dispose"/>, a late continuation (an acknowledgement the loop
/// started) runs on the thread pool instead.
/// </summary>
internal sealed class DedicatedThreadScheduler : TaskScheduler, IDisposable
{
    private readonly ConcurrentQueue<Task> _queue = new();

    // One release per queued task, and one more when disposed: the thread wakes once for each.
    private readonly SemaphoreSlim _queued = new(0);
    private readonly Lock _gate = new();
    private readonly Thread _thread;
    private bool _closed;

    public DedicatedThreadScheduler(string threadName)
    {
        _thread = new Thread(RunQueued) { IsBackground = true, Name = threadName };
        _thread.Start();
    }

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Lets the thread end once it has run what is queued.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        _queued.Release();
    }

    protected override IEnumerable<Task> GetScheduledTasks() => [.. _queue];

    protected override void QueueTask(Task task)
    {
        lock (_gate)
        {
            if (!_closed)
            {
                _queue.Enqueue(task);
                _queued.Release();
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Scheduler.TryExecuteTask(state.Task), (Scheduler: this, Task: task), preferLocal: false);
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    private void RunQueued()
    {
        while (true)
        {
            _queued.Wait();
            if (!_queue.TryDequeue(out var task))
            {
                // Every task queued before Dispose has run: this was its release.
                _queued.Dispose();
                return;
            }

            TryExecuteTask(task);
        }
    }
}
