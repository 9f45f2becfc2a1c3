using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference.Detection;
using Pipeline.EdgeAgent.Tests.Agent;
using Pipeline.Simulation.Golf;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Tests.Detection;

public sealed class SwingDetectorTests
{
    private const int Channels = MotionChannels.Count;

    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(500)]
    public void ContinuousStreamOfSessions_FedInAnyBatchSize_GivesOneDetectionPerSession_WithTheTrainersWindow(int batchSamples)
    {
        var sessions = Sessions(seed: 21, count: 12);
        var stream = Concatenate(sessions.Select(s => s.Samples));

        var detections = Feed(NewDetector(), stream, batchSamples);

        Assert.Equal(sessions.Count, detections.Count);
        long sessionStart = 0;
        for (var k = 0; k < sessions.Count; k++)
        {
            var session = sessions[k];
            var detection = detections[k];
            Assert.InRange(detection.PeakSample, sessionStart, sessionStart + session.SampleCount - 1);
            var expectedStart = SwingWindowing.FindWindowStart(session.Samples);
            Assert.Equal(sessionStart + expectedStart, detection.WindowStartSample);
            Assert.Equal(session.Samples.AsSpan(expectedStart * Channels, SwingWindowing.WindowSamples * Channels).ToArray(), detection.Window);
            Assert.InRange(detection.PeakGyroDegreesPerSecond, new EdgeAgentOptions().SwingTriggerDegreesPerSecond, float.MaxValue);
            sessionStart += session.SampleCount;
        }
    }

    [Fact]
    public void IdleHandlingAlone_WalkingAndPracticeWaggles_GivesNoDetection()
    {
        var sessions = Sessions(seed: 22, count: 40);
        var idle = Concatenate(sessions.Select(s => s.Samples[..(s.AddressIndex * Channels)]));

        // The idle handling is real motion, not silence: waggles exceed the trainer's least swing peak.
        Assert.True(PeakGyro(idle) > SwingWindowing.MinimumPeakGyroDegreesPerSecond, $"the idle handling peaks at only {PeakGyro(idle)} deg/s");
        Assert.True(PeakGyro(idle) < IdleMotion.MaxWaggleDps * 1.05, $"the idle handling peaks at {PeakGyro(idle)} deg/s, more than a waggle");

        Assert.Empty(Feed(NewDetector(), idle, batchSamples: 50));
    }

    [Fact]
    public void DefaultTrigger_LiesBetweenEveryBackswingOrIdleMotion_AndEverySwingsPeak()
    {
        var trigger = new EdgeAgentOptions().SwingTriggerDegreesPerSecond;
        foreach (var session in Sessions(seed: 25, count: 300))
        {
            // Everything more than 0.2 s before impact: idle handling, address, backswing, the start of the downswing.
            var beforeDownswing = session.Samples[..((session.ImpactIndex - (int)(0.2 * session.SampleRateHz)) * Channels)];
            Assert.True(PeakGyro(beforeDownswing) < trigger * 0.95, $"{session.ClassName}: {PeakGyro(beforeDownswing)} deg/s before the downswing");
            Assert.True(PeakGyro(session.Samples) > trigger * 1.05, $"{session.ClassName}: the swing peaks at only {PeakGyro(session.Samples)} deg/s");
        }
    }

    [Fact]
    public void SwingSplitAcrossBatchBoundaries_IsFoundOnce_WithTheSameWindow()
    {
        var session = Sessions(seed: 23, count: 1)[0];
        var expectedStart = SwingWindowing.FindWindowStart(session.Samples);
        var peak = expectedStart + (SwingWindowing.WindowSamples / 2);

        // Boundaries just before, at and after the peak, and inside the window on either side of it.
        int[] cuts = [expectedStart + 1, peak - 1, peak, peak + 1, peak + 100];
        var detector = NewDetector();
        var detections = new List<DetectedSwing>();
        var from = 0;
        foreach (var cut in cuts.Append(session.SampleCount))
        {
            detections.AddRange(detector.Append(session.Samples.AsSpan(from * Channels, (cut - from) * Channels)));
            from = cut;
        }

        var detection = Assert.Single(detections);
        Assert.Equal(peak, detection.PeakSample);
        Assert.Equal(session.Samples.AsSpan(expectedStart * Channels, SwingWindowing.WindowSamples * Channels).ToArray(), detection.Window);
    }

    [Fact]
    public void Ring_StaysBoundedOverALongStream()
    {
        var stream = Concatenate(Sessions(seed: 24, count: 20).Select(s => s.Samples));
        var detector = NewDetector();
        for (var offset = 0; offset < stream.Length; offset += 500 * Channels)
        {
            detector.Append(stream.AsSpan(offset, Math.Min(500 * Channels, stream.Length - offset)));
            Assert.InRange(detector.BufferedSamples, 0, SwingDetector.CapacitySamples);
        }

        Assert.Equal(stream.Length / Channels, detector.SamplesSeen);
        Assert.Equal(2 * SwingWindowing.WindowSamples, SwingDetector.CapacitySamples);
    }

    [Fact]
    public void MotionThatNeverFallsBelowRelease_IsCutAtItsPeakBeforeTheWindowLeavesTheRing_AndDetectedOnce()
    {
        // 400 quiet samples, then 6000 samples at 1000 deg/s with one 1500 deg/s peak, then quiet again.
        const int peak = 700;
        var stream = new float[8000 * Channels];
        for (var i = 400; i < 6400; i++)
        {
            stream[(i * Channels) + MotionChannels.GyroZ] = i == peak ? 1500 : 1000;
        }

        var detector = NewDetector();
        var detections = Feed(detector, stream, batchSamples: 64);

        var detection = Assert.Single(detections);
        Assert.Equal(peak, detection.PeakSample);
        Assert.Equal(peak - (SwingWindowing.WindowSamples / 2), detection.WindowStartSample);
        Assert.Equal(1500, detection.Window[((SwingWindowing.WindowSamples / 2) * Channels) + MotionChannels.GyroZ]);
    }

    [Fact]
    public void MotionAboveTriggerAgainWithinTheRefractoryPeriod_IsNotASecondSwing_ButLaterMotionIs()
    {
        // Three bursts above the trigger: at 1000, 1300 (0.6 s later, a bounce) and 2500 (3 s after the first).
        var stream = new float[4000 * Channels];
        foreach (var (at, dps) in new[] { (1000, 1200f), (1300, 950f), (2500, 1100f) })
        {
            for (var i = at - 20; i <= at + 20; i++)
            {
                stream[(i * Channels) + MotionChannels.GyroZ] = dps - Math.Abs(i - at);
            }
        }

        var detections = Feed(NewDetector(), stream, batchSamples: 50);

        Assert.Equal([1000L, 2500L], detections.Select(d => d.PeakSample));
    }

    [Fact]
    public void Append_PartialSample_IsRefusedWithAClearError()
    {
        var error = Assert.Throws<ArgumentException>(() => NewDetector().Append(new float[Channels + 3]));
        Assert.Contains("whole samples of 8 channels", error.Message);
    }

    [Theory]
    [InlineData(100f, 50f, 1.0, "trigger")]
    [InlineData(850f, 850f, 1.0, "release")]
    [InlineData(850f, 400f, -1.0, "refractory")]
    public void Constructor_UnusableThresholds_AreRefusedNamingThem(float trigger, float release, double refractory, string named)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SwingDetector(500, trigger, release, refractory));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Options_ReleaseNotBelowTrigger_IsRefusedNamingTheSetting()
    {
        var options = new EdgeAgentOptions { DeviceId = "club-1", SwingTriggerDegreesPerSecond = 500, SwingReleaseDegreesPerSecond = 600 };
        var error = Assert.Single(options.Problems("Agent", AgentFactory.Kinds));
        Assert.Contains("Agent:SwingReleaseDegreesPerSecond", error);
    }

    private static SwingDetector NewDetector()
    {
        var options = new EdgeAgentOptions();
        return new SwingDetector(options.SampleRateHz, options.SwingTriggerDegreesPerSecond, options.SwingReleaseDegreesPerSecond, options.SwingRefractory.TotalSeconds);
    }

    private static List<SwingSession> Sessions(int seed, int count)
    {
        var simulator = new GolfClubSimulator(seed);
        return [.. Enumerable.Range(0, count).Select(_ => simulator.NextSession())];
    }

    private static float[] Concatenate(IEnumerable<float[]> parts) => [.. parts.SelectMany(p => p)];

    private static List<DetectedSwing> Feed(SwingDetector detector, float[] stream, int batchSamples)
    {
        var detections = new List<DetectedSwing>();
        for (var offset = 0; offset < stream.Length; offset += batchSamples * Channels)
        {
            detections.AddRange(detector.Append(stream.AsSpan(offset, Math.Min(batchSamples * Channels, stream.Length - offset))));
        }

        return detections;
    }

    private static float PeakGyro(float[] samples)
    {
        var peak = 0f;
        for (var i = 0; i < samples.Length; i += Channels)
        {
            var s = samples.AsSpan(i, Channels);
            peak = Math.Max(peak, MathF.Sqrt((s[MotionChannels.GyroX] * s[MotionChannels.GyroX]) + (s[MotionChannels.GyroY] * s[MotionChannels.GyroY]) + (s[MotionChannels.GyroZ] * s[MotionChannels.GyroZ])));
        }

        return peak;
    }
}
