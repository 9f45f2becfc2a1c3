namespace Pipeline.TestSupport;

/// <summary>
/// Awaits work that must finish (a training run, a command, a component's loop) for at most a deadline, so a regression
/// that makes it hang fails the one test with a message naming what hung instead of stalling the whole run.
/// </summary>
public static class Bounded
{
    public static async Task<T> WithinAsync<T>(Task<T> work, TimeSpan timeout, string what)
    {
        await WithinAsync((Task)work, timeout, what);
        return await work;
    }

    public static async Task WithinAsync(Task work, TimeSpan timeout, string what)
    {
        try
        {
            await work.WaitAsync(timeout);
        }
        catch (TimeoutException) when (!work.IsCompleted)
        {
            throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds:0.#} s");
        }
    }
}
