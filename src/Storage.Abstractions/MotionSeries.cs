using Pipeline.Protocol;

namespace Pipeline.Storage;

/// <summary>Motion samples read back from a store: one timestamp per sample, samples sample-major (8 values each).</summary>
public sealed record MotionSeries(long[] TimestampsMicros, float[] Samples)
{
    public static readonly MotionSeries Empty = new([], []);

    public int Count => TimestampsMicros.Length;

    public ReadOnlySpan<float> Sample(int index) => Samples.AsSpan(index * MotionChannels.Count, MotionChannels.Count);
}
