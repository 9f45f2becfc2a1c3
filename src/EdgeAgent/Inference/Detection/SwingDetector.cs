using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.EdgeAgent.Inference.Detection;

/// <summary>
/// Finds swings in a continuous 8-channel motion stream fed batch by batch, without knowing where sessions begin
/// or end, and cuts each one's model window. A swing starts when the gyroscope magnitude rises to the trigger
/// threshold and ends when it falls below the (lower) release threshold; its peak is the largest magnitude in
/// between (the first of equals). Its window is the <see cref="SwingWindowing.WindowSamples"/> samples centred on
/// the peak exactly as <see cref="SwingWindowing.FindWindowStart"/> centres it in a session, emitted as soon as
/// the last of them arrives. A new swing can trigger only after a sample below the release threshold and once the
/// refractory period after the previous peak (never shorter than half a window) is over, so one swing is one
/// detection. Memory is one ring of <see cref="CapacitySamples"/> samples; a swing staying above the release
/// threshold so long that its window would leave the ring is cut at the largest peak so far.
/// </summary>
internal sealed class SwingDetector
{
    /// <summary>Samples the ring holds: one window plus as much again for a swing to end in after its peak.</summary>
    public const int CapacitySamples = 2 * SwingWindowing.WindowSamples;

    private const int HalfWindow = SwingWindowing.WindowSamples / 2;
    private const int Channels = MotionChannels.Count;

    private readonly float[] _ring = new float[CapacitySamples * Channels];
    private readonly float _triggerSquared;
    private readonly float _releaseSquared;
    private readonly long _refractorySamples;

    private bool _inSwing;
    private bool _releasedSinceSwing = true;
    private long _peak = -1;
    private float _peakSquared;
    private long _pendingPeak = -1;
    private float _pendingPeakSquared;
    private long _rearmAt;

    public SwingDetector(double sampleRateHz, float triggerDegreesPerSecond, float releaseDegreesPerSecond, double refractorySeconds)
    {
        if (!(double.IsFinite(sampleRateHz) && sampleRateHz > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "the sample rate must be a positive number of Hz");
        }

        if (!(float.IsFinite(triggerDegreesPerSecond) && triggerDegreesPerSecond >= SwingWindowing.MinimumPeakGyroDegreesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(triggerDegreesPerSecond), triggerDegreesPerSecond,
                $"the trigger threshold must be at least {SwingWindowing.MinimumPeakGyroDegreesPerSecond} deg/s, the least peak the trainer takes for a swing");
        }

        if (!(float.IsFinite(releaseDegreesPerSecond) && releaseDegreesPerSecond > 0 && releaseDegreesPerSecond < triggerDegreesPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(releaseDegreesPerSecond), releaseDegreesPerSecond,
                $"the release threshold must be above 0 and below the trigger threshold {triggerDegreesPerSecond} deg/s");
        }

        if (!(double.IsFinite(refractorySeconds) && refractorySeconds >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(refractorySeconds), refractorySeconds, "the refractory period must be zero or more seconds");
        }

        _triggerSquared = triggerDegreesPerSecond * triggerDegreesPerSecond;
        _releaseSquared = releaseDegreesPerSecond * releaseDegreesPerSecond;
        _refractorySamples = Math.Max(HalfWindow, (long)Math.Ceiling(refractorySeconds * sampleRateHz));
    }

    /// <summary>Samples fed so far; the next sample fed gets this number.</summary>
    public long SamplesSeen { get; private set; }

    /// <summary>Samples currently held, never more than <see cref="CapacitySamples"/>.</summary>
    public int BufferedSamples => (int)Math.Min(SamplesSeen, CapacitySamples);

    /// <summary>
    /// Feeds the next <paramref name="samples"/> of the stream (sample-major, <see cref="MotionChannels.Count"/>
    /// channels) and returns the swings whose windows they completed, in order.
    /// </summary>
    public IReadOnlyList<DetectedSwing> Append(ReadOnlySpan<float> samples)
    {
        if (samples.Length % Channels != 0)
        {
            throw new ArgumentException($"motion samples come in whole samples of {Channels} channels; got {samples.Length} values", nameof(samples));
        }

        List<DetectedSwing>? detected = null;
        for (var offset = 0; offset < samples.Length; offset += Channels)
        {
            if (Step(samples.Slice(offset, Channels)) is { } swing)
            {
                (detected ??= []).Add(swing);
            }
        }

        return detected ?? (IReadOnlyList<DetectedSwing>)[];
    }

    private DetectedSwing? Step(ReadOnlySpan<float> sample)
    {
        var index = SamplesSeen++;
        sample.CopyTo(_ring.AsSpan((int)(index % CapacitySamples) * Channels, Channels));

        // The same single-precision expression as SwingWindowing.FindWindowStart, so both pick the same peak sample.
        var squared = (sample[MotionChannels.GyroX] * sample[MotionChannels.GyroX])
            + (sample[MotionChannels.GyroY] * sample[MotionChannels.GyroY])
            + (sample[MotionChannels.GyroZ] * sample[MotionChannels.GyroZ]);

        if (_inSwing)
        {
            if (squared > _peakSquared)
            {
                _peak = index;
                _peakSquared = squared;
            }

            if (squared < _releaseSquared)
            {
                _releasedSinceSwing = true;
                EndSwing();
            }
            else if (SamplesSeen - WindowStart(_peak) >= CapacitySamples)
            {
                // The next sample would overwrite the window's first: settle for the peak so far.
                EndSwing();
            }
        }
        else if (_pendingPeak < 0)
        {
            _releasedSinceSwing |= squared < _releaseSquared;
            if (_releasedSinceSwing && index >= _rearmAt && squared >= _triggerSquared)
            {
                _inSwing = true;
                _releasedSinceSwing = false;
                _peak = index;
                _peakSquared = squared;
            }
        }

        if (_pendingPeak >= 0 && SamplesSeen >= WindowStart(_pendingPeak) + SwingWindowing.WindowSamples)
        {
            var swing = new DetectedSwing(_pendingPeak, MathF.Sqrt(_pendingPeakSquared), WindowStart(_pendingPeak), CopyWindow(WindowStart(_pendingPeak)));
            _pendingPeak = -1;
            return swing;
        }

        return null;
    }

    private void EndSwing()
    {
        _inSwing = false;
        _pendingPeak = _peak;
        _pendingPeakSquared = _peakSquared;
        _rearmAt = _peak + _refractorySamples;
    }

    // At the very start of the stream the window cannot start before sample 0; FindWindowStart clamps the same way.
    private static long WindowStart(long peak) => Math.Max(0, peak - HalfWindow);

    private float[] CopyWindow(long start)
    {
        var window = new float[SwingWindowing.WindowSamples * Channels];
        for (var k = 0; k < SwingWindowing.WindowSamples; k++)
        {
            _ring.AsSpan((int)((start + k) % CapacitySamples) * Channels, Channels).CopyTo(window.AsSpan(k * Channels, Channels));
        }

        return window;
    }
}
