namespace Pipeline.Models;

// STUB: the trainer helper replaces every body in this file.
/// <summary>How a swing window is cut from a motion stream and turned into model input; trainer and edge share it.</summary>
public static class SwingWindowing
{
    /// <summary>Samples per window (at the default 500 Hz, about one second around impact).</summary>
    public const int WindowSamples = 512;

    /// <summary>
    /// Finds the swing's impact (peak gyroscope magnitude) in sample-major 8-channel <paramref name="samples"/>
    /// and returns the start index of the <see cref="WindowSamples"/>-long window around it, or -1 when the
    /// series is too short or holds no swing.
    /// </summary>
    public static int FindWindowStart(ReadOnlySpan<float> samples) => throw new NotImplementedException();

    /// <summary>Turns <see cref="WindowSamples"/> sample-major samples into the channel-major, normalised model input [8 × 512].</summary>
    public static float[] ToModelInput(ReadOnlySpan<float> windowSamples) => throw new NotImplementedException();
}
