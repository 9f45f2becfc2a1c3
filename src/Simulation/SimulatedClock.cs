namespace Pipeline.Simulation;

/// <summary>
/// Simulated time that starts at the real current time and runs <see cref="SpeedFactor"/> times faster than
/// wall time, so a demo can compress an afternoon of swings into minutes while every timestamp stays plausible.
/// </summary>
public sealed class SimulatedClock
{
    private readonly TimeProvider _time;
    private readonly long _startTimestamp;

    public SimulatedClock(TimeProvider time, double speedFactor)
    {
        if (!double.IsFinite(speedFactor) || speedFactor <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(speedFactor), speedFactor, "the speed factor must be a positive finite number");
        }

        _time = time;
        SpeedFactor = speedFactor;
        StartMicros = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
        _startTimestamp = time.GetTimestamp();
    }

    public double SpeedFactor { get; }

    /// <summary>Simulated start, µs since the Unix epoch: the real time when the clock was created.</summary>
    public long StartMicros { get; }

    public long NowMicros => StartMicros + (long)(_time.GetElapsedTime(_startTimestamp).TotalMicroseconds * SpeedFactor);

    /// <summary>Waits (in wall time) until simulated time reaches <paramref name="simulatedMicros"/>.</summary>
    public Task WaitUntilAsync(long simulatedMicros, CancellationToken cancellationToken)
    {
        var aheadMicros = simulatedMicros - NowMicros;
        if (aheadMicros <= 0)
        {
            return Task.CompletedTask;
        }

        return Task.Delay(TimeSpan.FromMicroseconds(aheadMicros / SpeedFactor), _time, cancellationToken);
    }
}
