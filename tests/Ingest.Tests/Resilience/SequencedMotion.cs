using Pipeline.Protocol;
using Pipeline.Storage;

namespace Pipeline.Ingest.Tests.Resilience;

/// <summary>
/// Motion batches whose samples are a function of their sequence number (below 20000, the strain gauges' range), 4 ms apart from <see cref="StartMicros"/>,
/// so the store's series in time order must equal the batches in sequence order, each exactly once.
/// </summary>
public sealed class SequencedMotion(string deviceId)
{
    public string DeviceId { get; } = deviceId;

    public long StartMicros { get; } = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds() * 1000;

    public string Topic => Topics.Motion("local", DeviceId);

    public MotionBatch Batch(long sequence)
    {
        var samples = new float[4 * MotionChannels.Count];
        for (var i = 0; i < samples.Length; i++)
        {
            // The strain gauges carry the sequence number (their range allows thousands); the other channels stay small.
            samples[i] = i % MotionChannels.Count < 2 ? sequence + i / 100f : i / 10f;
        }

        return new MotionBatch(DeviceId, 1, (ulong)sequence, StartMicros + sequence * 4000, 1000f, samples);
    }

    public byte[] Payload(long sequence) => MotionBatchCodec.Encode(Batch(sequence));

    /// <summary>The samples a store must hold after batches 0 to <paramref name="count"/> - 1, each once.</summary>
    public IEnumerable<float> Samples(long count) => Enumerable.Range(0, checked((int)count)).SelectMany(i => Batch(i).Samples);

    /// <summary>The time of every sample in batches 0 to <paramref name="count"/> - 1: what the fault suite's delivery account expects stored.</summary>
    public IReadOnlyCollection<long> SampleTimes(long count) =>
        [.. Enumerable.Range(0, checked((int)count)).SelectMany(i => Enumerable.Range(0, 4).Select(s => StartMicros + i * 4000L + s * 1000L))];

    /// <summary>Which sequence numbers a series read back from the store holds, how often each, and which are missing: for failure messages.</summary>
    public string Describe(MotionSeries series, long count)
    {
        var perBatch = 4 * MotionChannels.Count;
        var sequences = Enumerable.Range(0, series.Samples.Length / perBatch).Select(b => (long)series.Samples[b * perBatch]).ToList();
        var duplicated = sequences.GroupBy(s => s).Where(g => g.Count() > 1).Select(g => g.Key).Take(10).ToList();
        var missing = Enumerable.Range(0, checked((int)count)).Select(i => (long)i).Except(sequences).Take(10).ToList();
        return $"{sequences.Count} batches read back of {count}; duplicated: [{string.Join(", ", duplicated)}]; missing: [{string.Join(", ", missing)}]";
    }
}
