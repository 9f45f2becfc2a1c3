using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.Simulation.Golf;

/// <summary>
/// A smart golf club (two shaft strain gauges, 3-axis accelerometer, 3-axis gyroscope) recording one swing per
/// session: idle handling before the swing (the club carried while walking, practice waggles, a variable pause),
/// then address, backswing, downswing, impact, follow-through, idle. Deterministic for a seed. The physics
/// is a rigid club rotating in a swing plane (see docs/DEVICES.md): the gyroscope's z axis is the swing
/// rotation, x the face rotation about the shaft, y the path leaving the plane; the accelerometer sees
/// centripetal and tangential acceleration plus gravity; the strain gauges see shaft lag/lead and toe droop
/// and ring at the shaft's natural frequency after impact.
/// </summary>
public sealed class GolfClubSimulator
{
    public const double DefaultSampleRateHz = 500;
    public const double MinSampleRateHz = 200;
    public const double MaxSampleRateHz = 5000;

    private const double Gravity = 9.81;
    private const double SensorRadiusMetres = 0.55;
    private const double IdleSeconds = 0.3;

    // Every session keeps half a model window (plus the peak's jitter around impact) on both sides of impact at
    // any rate, so the window an edge detector centres on the stream never crosses into a neighbouring session and
    // equals the one SwingWindowing.FindWindowStart cuts from the session alone.
    private const int ImpactMarginSamples = (SwingWindowing.WindowSamples / 2) + 4;

    public static readonly IReadOnlyList<GolferProfile> Players =
    [
        new("p1", BackswingSeconds: 0.85, DownswingSeconds: 0.30, PeakGyroDps: 1450, Strength: 1.00),
        new("p2", BackswingSeconds: 1.00, DownswingSeconds: 0.34, PeakGyroDps: 1250, Strength: 0.85),
        new("p3", BackswingSeconds: 0.75, DownswingSeconds: 0.27, PeakGyroDps: 1650, Strength: 1.15),
    ];

    public static readonly IReadOnlyList<SwingShape> Shapes =
    [
        new("draw", FaceRotation: 0.30, PathTilt: 0.10, Droop: 0.90, StrikeOffset: -1),
        new("straight", FaceRotation: 0.18, PathTilt: 0.00, Droop: 1.00, StrikeOffset: 0),
        new("fade", FaceRotation: 0.06, PathTilt: -0.10, Droop: 1.12, StrikeOffset: 1),
    ];

    private static readonly double[] NoiseSd = [8, 8, 0.05, 0.05, 0.05, 2, 2, 2];

    // One random-walk step per session: the slow drift of a sensor's zero over a practice round.
    private static readonly double[] DriftStepSd = [3, 3, 0.004, 0.004, 0.004, 0.3, 0.3, 0.3];

    private readonly Random _random;
    private readonly double[] _bias = new double[MotionChannels.Count];

    public GolfClubSimulator(int seed, double sampleRateHz = DefaultSampleRateHz)
    {
        if (!(sampleRateHz is >= MinSampleRateHz and <= MaxSampleRateHz))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, $"the sample rate must be {MinSampleRateHz}..{MaxSampleRateHz} Hz");
        }

        _random = new Random(seed);
        Calibration = SensorCalibration.FromSeed(seed);
        SampleRateHz = sampleRateHz;
    }

    public double SampleRateHz { get; }

    public SensorCalibration Calibration { get; }

    public static IReadOnlyList<string> ClassNames { get; } =
        [.. Players.SelectMany(p => Shapes.Select(s => $"{p.Name}:{s.Name}"))];

    public SwingSession NextSession() => NextSession(Players[_random.Next(Players.Count)], Shapes[_random.Next(Shapes.Count)]);

    public SwingSession NextSession(GolferProfile player, SwingShape shape)
    {
        var r = _random;
        double Jitter(double sd) => Math.Max(0.5, 1 + NormalDistribution.Sample(r, 0, sd));

        // Per-swing variability: large enough that neighbouring classes overlap.
        var addressSeconds = 0.35 + 0.15 * r.NextDouble();
        var backswing = player.BackswingSeconds * Jitter(0.07);
        var downswing = player.DownswingSeconds * Jitter(0.07);
        var follow = 0.55 + 0.1 * r.NextDouble();
        var peak = player.PeakGyroDps * Jitter(0.07);
        var backswingDegrees = 240 + 30 * r.NextDouble();
        var face = shape.FaceRotation + NormalDistribution.Sample(r, 0, 0.06);
        var path = shape.PathTilt + NormalDistribution.Sample(r, 0, 0.05);
        var droop = shape.Droop * Jitter(0.08);
        var strike = 0.6 * shape.StrikeOffset + NormalDistribution.Sample(r, 0, 0.5);
        var release = 2.2 * Jitter(0.1);
        var strength = player.Strength * Jitter(0.05);
        var shaftHz = 48 + 8 * r.NextDouble();
        var wristHinge = NormalDistribution.Sample(r, 0.05, 0.03);
        for (var c = 0; c < _bias.Length; c++)
        {
            _bias[c] += NormalDistribution.Sample(r, 0, DriftStepSd[c]);
        }

        var rate = SampleRateHz;
        var dt = 1.0 / rate;
        var idle = IdleMotion.Draw(r);
        var margin = ImpactMarginSamples / rate;
        var lead = Math.Max(idle.Seconds, margin - (addressSeconds + backswing + downswing));
        var address = lead + addressSeconds;
        var topOfBackswing = address + backswing;
        var impact = topOfBackswing + downswing;
        var count = (int)Math.Ceiling((impact + Math.Max(follow + IdleSeconds, margin)) * rate);
        var impactIndex = (int)Math.Round(impact * rate);
        var backswingPeakDps = backswingDegrees * Math.PI / (2 * backswing);
        var samples = new float[count * MotionChannels.Count];
        var truth = new double[MotionChannels.Count];
        double angleDegrees = 0, previousOmega = 0;

        for (var i = 0; i < count; i++)
        {
            var t = i * dt;
            double omega = 0, roll = 0, pathRate = 0;
            if (t < lead)
            {
                (omega, roll, pathRate) = idle.At(t);
            }
            else if (t >= address && t < topOfBackswing)
            {
                var tau = (t - address) / backswing;
                omega = -backswingPeakDps * Math.Sin(Math.PI * tau);
                roll = 0.15 * omega;
                pathRate = wristHinge * omega;
            }
            else if (t >= topOfBackswing && i <= impactIndex)
            {
                var tau = Math.Min(1, (t - topOfBackswing) / downswing);
                omega = peak * Math.Pow(tau, release);
                roll = face * omega * tau * tau;
                pathRate = path * omega;
            }
            else if (i > impactIndex && t < impact + follow)
            {
                var since = t - impact;
                // The ball takes about a tenth of the club's speed within a few milliseconds, then the player slows the club.
                omega = peak * (0.9 + 0.1 * Math.Exp(-since / 0.004)) * Math.Exp(-since / 0.13);
                roll = face * peak * Math.Exp(-since / 0.08);
                pathRate = path * omega;
            }

            angleDegrees += omega * dt;
            var alpha = (omega - previousOmega) / dt;
            previousOmega = omega;
            var omegaRad = omega * Math.PI / 180;
            var centripetal = omegaRad * omegaRad * SensorRadiusMetres / Gravity;
            var tangential = alpha * Math.PI / 180 * SensorRadiusMetres / Gravity;
            var theta = angleDegrees * Math.PI / 180;

            truth[MotionChannels.AccelX] = centripetal + Math.Cos(theta);
            truth[MotionChannels.AccelY] = tangential + Math.Sin(theta);
            truth[MotionChannels.AccelZ] = (0.25 * path + 0.02 * droop) * centripetal;
            truth[MotionChannels.Strain1] = strength * -35 * tangential;
            truth[MotionChannels.Strain2] = strength * 18 * droop * centripetal;
            truth[MotionChannels.GyroX] = roll;
            truth[MotionChannels.GyroY] = pathRate;
            truth[MotionChannels.GyroZ] = omega;

            if (i >= impactIndex)
            {
                var since = t - impact;
                var ring = Math.Exp(-since / 0.03) * Math.Sin(2 * Math.PI * shaftHz * since);
                truth[MotionChannels.Strain1] += strength * 600 * ring;
                truth[MotionChannels.Strain2] += strength * 400 * strike * ring;
                truth[MotionChannels.AccelX] += 15 * ring;
                truth[MotionChannels.AccelZ] += 10 * strike * ring;
            }

            for (var c = 0; c < MotionChannels.Count; c++)
            {
                var measured = truth[c] + _bias[c] + NormalDistribution.Sample(r, 0, NoiseSd[c]);
                samples[i * MotionChannels.Count + c] = Calibration.Apply(c, measured);
            }
        }

        return new SwingSession(player.Name, shape.Name, rate, samples, impactIndex) { AddressIndex = (int)Math.Ceiling(lead * rate) };
    }
}
