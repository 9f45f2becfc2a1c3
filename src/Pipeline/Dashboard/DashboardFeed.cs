using Microsoft.Extensions.Logging;
using Pipeline.Runner.Observing;

namespace Pipeline.Runner.Dashboard;

/// <summary>
/// Renders the dashboard's panels from a <see cref="FleetPictureSource"/> once per <see cref="Interval"/>, on one loop,
/// however many browsers watch; each watcher waits for <see cref="NextAsync"/>. A picture that fails to render costs
/// that update (logged), never the loop.
/// </summary>
internal sealed class DashboardFeed(FleetPictureSource source, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private (long Sequence, string Html) _latest = (0, "<p>Starting…</p>");
    private TaskCompletionSource _updated = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The latest panels and their sequence number.</summary>
    public (long Sequence, string Html) Latest
    {
        get
        {
            lock (_lock)
            {
                return _latest;
            }
        }
    }

    /// <summary>Waits until panels newer than <paramref name="seen"/> exist and returns them.</summary>
    public async Task<(long Sequence, string Html)> NextAsync(long seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task updated;
            lock (_lock)
            {
                if (_latest.Sequence > seen)
                {
                    return _latest;
                }

                updated = _updated.Task;
            }

            await updated.WaitAsync(cancellationToken);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            Refresh();
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>Renders the panels now.</summary>
    public void Refresh()
    {
        string html;
        try
        {
            html = DashboardPanels.Render(source.Take());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("dashboard: could not put the picture together: {Error}", e.Message);
            return;
        }

        TaskCompletionSource updated;
        lock (_lock)
        {
            _latest = (_latest.Sequence + 1, html);
            updated = _updated;
            _updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        updated.TrySetResult();
    }
}
