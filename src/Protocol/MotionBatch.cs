namespace Pipeline.Protocol;

/// <summary>
/// A run of consecutive 8-channel motion samples from one device stream.
/// <see cref="Samples"/> is sample-major: sample i, channel c is at [i * 8 + c].
/// </summary>
public sealed record MotionBatch(
    string DeviceId,
    uint StreamId,
    ulong Sequence,
    long FirstTimestampMicros,
    float SampleRateHz,
    float[] Samples)
{
    public int SampleCount => Samples.Length / MotionChannels.Count;

    /// <summary>Timestamp of sample <paramref name="index"/>, derived from the first timestamp and the rate.</summary>
    public long TimestampOf(int index) => FirstTimestampMicros + (long)Math.Round(index * 1_000_000d / SampleRateHz);
}
