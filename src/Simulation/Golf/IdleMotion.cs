namespace Pipeline.Simulation.Golf;

/// <summary>
/// What the club does between two swings, before the player addresses the ball: sometimes carried while walking
/// up (a sway at step rate), a still pause, then up to two practice waggles (a short wrist hinge back and through).
/// Rates are deg/s about the club's axes as in <see cref="GolfClubSimulator"/>. Its gyroscope peaks stay far below
/// any real swing's (walking at most <see cref="MaxWalkingDps"/>, a waggle at most <see cref="MaxWaggleDps"/>,
/// a swing's impact above 900), so a swing detector meets motion it must reject rather than silence.
/// </summary>
internal sealed class IdleMotion
{
    public const double MaxWalkingDps = 120;
    public const double MaxWaggleDps = 450;

    private const double WalkingProbability = 0.3;
    private const double GapBetweenWagglesSeconds = 0.1;

    private readonly double _walkSeconds;
    private readonly double _stepHz;
    private readonly double _walkDps;
    private readonly double _wagglesStart;
    private readonly (double Start, double Period, double Dps)[] _waggles;

    private IdleMotion(double walkSeconds, double stepHz, double walkDps, double wagglesStart, (double Start, double Period, double Dps)[] waggles, double seconds)
    {
        _walkSeconds = walkSeconds;
        _stepHz = stepHz;
        _walkDps = walkDps;
        _wagglesStart = wagglesStart;
        _waggles = waggles;
        Seconds = seconds;
    }

    /// <summary>How long the idle handling lasts before the address.</summary>
    public double Seconds { get; }

    public static IdleMotion Draw(Random random)
    {
        var walkSeconds = random.NextDouble() < WalkingProbability ? 0.4 + (0.6 * random.NextDouble()) : 0;
        var stepHz = 1.6 + (0.6 * random.NextDouble());
        var walkDps = (0.4 + (0.6 * random.NextDouble())) * MaxWalkingDps;
        var pause = 0.1 + (0.2 * random.NextDouble());
        var wagglesStart = walkSeconds + pause;
        var waggles = new (double Start, double Period, double Dps)[random.Next(3)];
        var at = wagglesStart;
        for (var k = 0; k < waggles.Length; k++)
        {
            var period = 0.45 + (0.2 * random.NextDouble());
            waggles[k] = (at, period, (0.25 + (0.75 * random.NextDouble())) * MaxWaggleDps);
            at += period + GapBetweenWagglesSeconds;
        }

        return new IdleMotion(walkSeconds, stepHz, walkDps, wagglesStart, waggles, at);
    }

    /// <summary>The swing-plane rotation, face roll and out-of-plane rate at <paramref name="seconds"/> into the idle handling.</summary>
    public (double Omega, double Roll, double PathRate) At(double seconds)
    {
        if (seconds < _walkSeconds)
        {
            // The sway fades in and out with the walk, so the club's rates never jump.
            var envelope = Math.Sin(Math.PI * seconds / _walkSeconds);
            var step = 2 * Math.PI * _stepHz * seconds;
            var sway = _walkDps * envelope;
            return (0.8 * sway * Math.Sin(step), 0.5 * sway * Math.Sin(step / 2), 0.3 * sway * Math.Cos(step));
        }

        if (seconds >= _wagglesStart)
        {
            foreach (var (start, period, dps) in _waggles)
            {
                if (seconds >= start && seconds < start + period)
                {
                    // Back first, then through: one full cycle of a wrist hinge.
                    var omega = -dps * Math.Sin(2 * Math.PI * (seconds - start) / period);
                    return (omega, 0.2 * omega, 0.05 * omega);
                }
            }
        }

        return (0, 0, 0);
    }
}
