namespace Pipeline.Trainer.Schedules;

/// <summary>
/// Runs a training stage on its own OS thread (not the thread pool: libtorch's per-thread settings and a
/// long blocking loop belong on a thread the stage owns) and reports its end as a task.
/// </summary>
internal static class StageThread
{
    public static Task Start(string name, int torchThreads, Action body)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                TorchSharp.torch.set_num_threads(torchThreads);
                body();
                done.SetResult();
            }
            catch (OperationCanceledException e)
            {
                done.TrySetCanceled(e.CancellationToken);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            Name = name,
            IsBackground = true,
        };
        thread.Start();
        return done.Task;
    }
}
