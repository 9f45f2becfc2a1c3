using Pipeline.Simulation.Golf;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Tests.Simulation;

public sealed class GolfClubSimulatorTests
{
    [Fact]
    public void NextSession_SameSeed_ProducesIdenticalSessions()
    {
        var a = new GolfClubSimulator(seed: 11);
        var b = new GolfClubSimulator(seed: 11);
        for (var i = 0; i < 3; i++)
        {
            var first = a.NextSession();
            var second = b.NextSession();
            Assert.Equal(first.ClassName, second.ClassName);
            Assert.Equal(first.ImpactIndex, second.ImpactIndex);
            Assert.Equal(first.Samples, second.Samples);
        }
    }

    [Fact]
    public void NextSession_DifferentSeeds_ProduceDifferentSwingsAndCalibrations()
    {
        var a = new GolfClubSimulator(seed: 1);
        var b = new GolfClubSimulator(seed: 2);
        Assert.NotEqual(a.Calibration.Gain, b.Calibration.Gain);
        var player = GolfClubSimulator.Players[0];
        var shape = GolfClubSimulator.Shapes[0];
        Assert.NotEqual(a.NextSession(player, shape).Samples, b.NextSession(player, shape).Samples);
    }

    [Fact]
    public void Session_PeakGyroMagnitude_IsTheImpactWellInsideTheSession()
    {
        var simulator = new GolfClubSimulator(seed: 3);
        for (var i = 0; i < 30; i++)
        {
            var session = simulator.NextSession();
            var (peakIndex, peak) = PeakGyro(session);
            Assert.True(session.SampleCount >= 1.6 * session.SampleRateHz, $"session {i} lasts only {session.SampleCount} samples");
            Assert.True(peak > 200, $"session {i} peaks at {peak} deg/s");
            Assert.InRange(peakIndex, session.ImpactIndex - 2, session.ImpactIndex + 2);
            Assert.InRange(session.ImpactIndex, SwingWindowing.WindowSamples / 2, session.SampleCount - SwingWindowing.WindowSamples / 2);
        }
    }

    [Fact]
    public void FindWindowStart_OnSimulatedSessions_CentresTheWindowOnImpact()
    {
        var simulator = new GolfClubSimulator(seed: 4);
        for (var i = 0; i < 30; i++)
        {
            var session = simulator.NextSession();
            var start = SwingWindowing.FindWindowStart(session.Samples);
            Assert.InRange(start, session.ImpactIndex - SwingWindowing.WindowSamples / 2 - 2, session.ImpactIndex - SwingWindowing.WindowSamples / 2 + 2);
        }
    }

    [Fact]
    public void Players_DifferInTempoAndPeakAngularVelocity_ButOverlap()
    {
        var simulator = new GolfClubSimulator(seed: 5);
        var stats = GolfClubSimulator.Players.ToDictionary(p => p.Name, p =>
        {
            var sessions = Enumerable.Range(0, 40).Select(_ => simulator.NextSession(p, GolfClubSimulator.Shapes[1])).ToList();
            return (Downswing: sessions.Select(DownswingSeconds).ToList(), Peak: sessions.Select(s => PeakGyro(s).Peak).ToList());
        });

        // p2 swings slowest and least hard, p3 fastest and hardest (docs/DEVICES.md).
        Assert.True(stats["p2"].Downswing.Average() > stats["p1"].Downswing.Average());
        Assert.True(stats["p1"].Downswing.Average() > stats["p3"].Downswing.Average());
        Assert.True(stats["p3"].Peak.Average() > stats["p1"].Peak.Average());
        Assert.True(stats["p1"].Peak.Average() > stats["p2"].Peak.Average());

        // Per-swing variability makes neighbouring players overlap: no single number separates them.
        Assert.True(stats["p1"].Peak.Max() > stats["p3"].Peak.Min(), "p1 and p3 peaks do not overlap at all");
        Assert.True(stats["p1"].Downswing.Max() > stats["p2"].Downswing.Min(), "p1 and p2 tempos do not overlap at all");
    }

    [Fact]
    public void Shapes_DifferInFaceRotationAtImpact_ButOverlap()
    {
        var simulator = new GolfClubSimulator(seed: 6);
        var faceRatio = GolfClubSimulator.Shapes.ToDictionary(s => s.Name, s =>
            Enumerable.Range(0, 40).Select(_ =>
            {
                var session = simulator.NextSession(GolfClubSimulator.Players[0], s);
                var at = session.ImpactIndex * MotionChannels.Count;
                return session.Samples[at + MotionChannels.GyroX] / session.Samples[at + MotionChannels.GyroZ];
            }).ToList());

        Assert.True(faceRatio["draw"].Average() > faceRatio["straight"].Average() + 0.05);
        Assert.True(faceRatio["straight"].Average() > faceRatio["fade"].Average() + 0.05);
        Assert.True(faceRatio["draw"].Min() < faceRatio["straight"].Max(), "draw and straight do not overlap at all");
    }

    [Fact]
    public void Constructor_SampleRateOutOfRange_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new GolfClubSimulator(1, sampleRateHz: 10));
        Assert.Contains("sample rate", error.Message);
    }

    private static (int Index, float Peak) PeakGyro(SwingSession session)
    {
        var best = (Index: -1, Peak: 0f);
        for (var i = 0; i < session.SampleCount; i++)
        {
            var s = session.Samples.AsSpan(i * MotionChannels.Count, MotionChannels.Count);
            var magnitude = MathF.Sqrt(s[MotionChannels.GyroX] * s[MotionChannels.GyroX] + s[MotionChannels.GyroY] * s[MotionChannels.GyroY] + s[MotionChannels.GyroZ] * s[MotionChannels.GyroZ]);
            if (magnitude > best.Peak)
            {
                best = (i, magnitude);
            }
        }

        return best;
    }

    /// <summary>From the top of the backswing (last sample turning backwards) to the impact peak, read from the samples alone.</summary>
    private static double DownswingSeconds(SwingSession session)
    {
        var (impact, _) = PeakGyro(session);
        var top = impact;
        while (top > 0 && session.Samples[top * MotionChannels.Count + MotionChannels.GyroZ] > -30)
        {
            top--;
        }

        return (impact - top) / session.SampleRateHz;
    }
}
