using Pipeline.Protocol;

namespace Pipeline.Ingest.Bench;

/// <summary>
/// The messages one measurement sends: motion batches of 50 samples (8 channels, 500 Hz) spread over several
/// devices, encoded before the clock starts. Timestamps lie a day in the past, 100 ms apart per device, so they
/// pass ingest's clock checks; device ids carry a run tag so that no run's data duplicates another's.
/// </summary>
public sealed class MotionLoad
{
    public const int SamplesPerBatch = 50;
    public const float SampleRateHz = 500f;

    private MotionLoad(IReadOnlyList<(string Topic, byte[] Payload)> messages) => Messages = messages;

    public IReadOnlyList<(string Topic, byte[] Payload)> Messages { get; }

    public long Samples => (long)Messages.Count * SamplesPerBatch;

    public static MotionLoad Create(string runTag, int messages, int devices)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds() * 1000;
        var random = new Random(messages);
        var list = new List<(string, byte[])>(messages);
        for (var i = 0; i < messages; i++)
        {
            var device = $"{runTag}-d{i % devices}";
            var sequence = (ulong)(i / devices);
            var samples = new float[SamplesPerBatch * MotionChannels.Count];
            for (var s = 0; s < samples.Length; s++)
            {
                samples[s] = (float)(random.NextDouble() * 2 - 1);
            }

            var batch = new MotionBatch(device, 1, sequence, start + (long)sequence * 100_000, SampleRateHz, samples);
            list.Add((Topics.Motion("bench", device), MotionBatchCodec.Encode(batch)));
        }

        return new MotionLoad(list);
    }
}
