using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pipeline.Ingest.Status;

/// <summary>Writes the <see cref="DeviceStatusBoard"/> to <see cref="DeviceStatusFile"/> at most once a second, when it changed, and once more at stop.</summary>
internal sealed class DeviceStatusSnapshotter(DeviceStatusBoard board, IOptions<IngestOptions> options, TimeProvider time, ILogger<DeviceStatusSnapshotter> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private long _written = -1;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        WriteIfChanged();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                WriteIfChanged();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void WriteIfChanged()
    {
        var changes = board.Changes;
        if (changes == Interlocked.Read(ref _written))
        {
            return;
        }

        try
        {
            DeviceStatusFile.Write(options.Value.DataFolder, board.Snapshot().Values);
            Interlocked.Exchange(ref _written, changes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a view for tools: a full disk must not touch ingest's real work. Tried again at the next tick.
            logger.LogWarning("could not write the device status file under {Folder}: {Error}", options.Value.DataFolder, e.Message);
        }
    }
}
