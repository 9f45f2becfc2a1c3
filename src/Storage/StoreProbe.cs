namespace Pipeline.Storage;

/// <summary>
/// The cheap real call a readiness check makes against whichever store is configured: the labels of a task that
/// does not exist, one indexed lookup for every backend, which still has to reach the server of a remote one.
/// </summary>
public static class StoreProbe
{
    public const string Name = "store";

    /// <summary>No learning task has this name, so the answer is always empty.</summary>
    public const string ProbeTask = "health-probe";

    public static Task RunAsync(ITelemetryStore store, CancellationToken cancellationToken) =>
        store.ReadLabelsAsync(ProbeTask, cancellationToken).AsTask();
}
