using Pipeline.Protocol;

namespace Pipeline.Tasks.Swing;

/// <summary>How a swing window is cut from a motion stream and turned into model input; trainer and edge share it.</summary>
public static class SwingWindowing
{
    /// <summary>Samples per window (at the default 500 Hz, about one second around impact).</summary>
    public const int WindowSamples = 512;

    /// <summary>Below this peak gyroscope magnitude (deg/s) the club was not swung: a practice waggle or a sensor at rest.</summary>
    public const float MinimumPeakGyroDegreesPerSecond = 200f;

    /// <summary>
    /// Fixed per-channel divisors that bring each unit to roughly -1..1 for a real swing: strain (microstrain) / 1000,
    /// acceleration (g) / 16, angular rate (deg/s) / 1000. Fixed rather than learned from data, so the edge
    /// normalises exactly as the trainer did without shipping statistics beside the model.
    /// </summary>
    public static readonly IReadOnlyList<float> ChannelScale = [1000f, 1000f, 16f, 16f, 16f, 1000f, 1000f, 1000f];

    /// <summary>
    /// Finds the swing's impact (peak gyroscope magnitude) in sample-major 8-channel <paramref name="samples"/>
    /// and returns the start index of the <see cref="WindowSamples"/>-long window around it, or -1 when the
    /// series is too short or holds no swing.
    /// </summary>
    public static int FindWindowStart(ReadOnlySpan<float> samples)
    {
        var count = samples.Length / MotionChannels.Count;
        if (count < WindowSamples)
        {
            return -1;
        }

        var peak = -1;
        var peakSquared = MinimumPeakGyroDegreesPerSecond * MinimumPeakGyroDegreesPerSecond;
        for (var i = 0; i < count; i++)
        {
            var sample = samples.Slice(i * MotionChannels.Count, MotionChannels.Count);
            var squared = (sample[MotionChannels.GyroX] * sample[MotionChannels.GyroX])
                + (sample[MotionChannels.GyroY] * sample[MotionChannels.GyroY])
                + (sample[MotionChannels.GyroZ] * sample[MotionChannels.GyroZ]);
            if (squared >= peakSquared && (peak < 0 || squared > peakSquared))
            {
                peak = i;
                peakSquared = squared;
            }
        }

        return peak < 0 ? -1 : Math.Clamp(peak - (WindowSamples / 2), 0, count - WindowSamples);
    }

    /// <summary>
    /// Turns <see cref="WindowSamples"/> sample-major samples into the channel-major model input [8 × 512]: each
    /// channel less its mean over the window, divided by <see cref="ChannelScale"/>. A sensor's zero is not fixed: it
    /// differs from club to club and drifts over a practice round (for the strain gauges by more than the difference
    /// between two swing shapes), so a model fed absolute levels learns the zero of the sessions it was trained on and
    /// loses accuracy on every later swing. Without the window's mean the input is the same whatever the zero is.
    /// </summary>
    public static float[] ToModelInput(ReadOnlySpan<float> windowSamples)
    {
        if (windowSamples.Length != WindowSamples * MotionChannels.Count)
        {
            throw new ArgumentException($"a swing window is {WindowSamples} samples of {MotionChannels.Count} channels ({WindowSamples * MotionChannels.Count} values); got {windowSamples.Length}", nameof(windowSamples));
        }

        Span<double> mean = stackalloc double[MotionChannels.Count];
        for (var i = 0; i < WindowSamples; i++)
        {
            for (var c = 0; c < MotionChannels.Count; c++)
            {
                mean[c] += windowSamples[(i * MotionChannels.Count) + c];
            }
        }

        for (var c = 0; c < MotionChannels.Count; c++)
        {
            mean[c] /= WindowSamples;
        }

        var input = new float[windowSamples.Length];
        for (var i = 0; i < WindowSamples; i++)
        {
            for (var c = 0; c < MotionChannels.Count; c++)
            {
                input[(c * WindowSamples) + i] = (float)((windowSamples[(i * MotionChannels.Count) + c] - mean[c]) / ChannelScale[c]);
            }
        }

        return input;
    }
}
