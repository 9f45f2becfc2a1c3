namespace Pipeline.TestSupport;

/// <summary>Waits for a condition by polling it until a deadline, so tests never sleep for a guessed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, string because) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, because);

    /// <summary>As above, with <paramref name="because"/> built at the deadline, so it can say what the condition last saw (a log, a count).</summary>
    public static Task TrueAsync(Func<bool> condition, TimeSpan timeout, Func<string> because) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, because);

    /// <summary>Polls <paramref name="condition"/>; throws a <see cref="TimeoutException"/> naming <paramref name="because"/> if it is still false at the deadline.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string because) => TrueAsync(condition, timeout, () => because);

    /// <summary>As above, with <paramref name="because"/> built at the deadline, so it can say what the condition last saw.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"still not true after {timeout.TotalSeconds:0.#} s: {because()}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
