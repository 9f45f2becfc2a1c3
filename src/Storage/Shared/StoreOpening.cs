namespace Pipeline.Storage.Shared;

/// <summary>
/// Opening a store that checks its server at once (a wrong address or a refused database fails at start-up, not at the
/// first write): a store whose check fails is disposed before the failure is thrown, so nothing it started is left behind.
/// </summary>
internal static class StoreOpening
{
    public static async Task<TStore> CheckedAsync<TStore>(TStore store, Func<TStore, CancellationToken, Task> check, CancellationToken cancellationToken)
        where TStore : IAsyncDisposable
    {
        try
        {
            await check(store, cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }
}
