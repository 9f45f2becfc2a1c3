using Pipeline.Ingest.Writing;

namespace Pipeline.Ingest.Tests.Writing;

/// <summary>
/// The store writer's own thread: an async loop started on it runs there and comes back there after every await, whatever
/// thread completed what it awaited; once disposed, the thread ends and a late continuation still runs.
/// </summary>
public sealed class DedicatedThreadSchedulerTests
{
    [Fact]
    public async Task AnAsyncLoopStartedOnIt_ResumesOnItsThreadAfterEveryAwait()
    {
        using var scheduler = new DedicatedThreadScheduler("test writer");
        var fromOtherThreads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var threads = await Task.Factory.StartNew(async () =>
        {
            var seen = new List<string?> { Thread.CurrentThread.Name };
            await Task.Delay(10);
            seen.Add(Thread.CurrentThread.Name);
            await Task.Yield();
            seen.Add(Thread.CurrentThread.Name);
            await Task.Run(() => fromOtherThreads.SetResult());
            await fromOtherThreads.Task;
            seen.Add(Thread.CurrentThread.Name);
            return seen;
        }, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["test writer", "test writer", "test writer", "test writer"], threads);
    }

    [Fact]
    public async Task AContinuationQueuedAfterDispose_RunsOnTheThreadPool()
    {
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<bool> late;
        using (var scheduler = new DedicatedThreadScheduler("test writer"))
        {
            late = Task.Factory.StartNew(async () =>
            {
                waiting.SetResult();
                await release.Task;
                return Thread.CurrentThread.IsThreadPoolThread;
            }, CancellationToken.None, TaskCreationOptions.None, scheduler).Unwrap();
            await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        release.SetResult();
        Assert.True(await late.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
