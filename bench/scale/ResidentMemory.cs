using System.Globalization;

namespace Pipeline.Scale.Bench;

/// <summary>Samples this process's resident memory (VmRSS) every 100 ms until disposed and keeps the highest.</summary>
public sealed class ResidentMemory : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peakKilobytes;

    public ResidentMemory() => _sampling = SampleAsync(_stop.Token);

    public double PeakMegabytes => Interlocked.Read(ref _peakKilobytes) / 1024.0;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        do
        {
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            var kilobytes = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            if (kilobytes > Interlocked.Read(ref _peakKilobytes))
            {
                Interlocked.Exchange(ref _peakKilobytes, kilobytes);
            }
        }
        while (await WaitAsync(timer, cancellationToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
