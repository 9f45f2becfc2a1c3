using System.Runtime.Intrinsics;
using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks.Inference;

namespace Pipeline.Tasks.Swing;

/// <summary>
/// Golf-swing classification (player × swing shape) from a club's 8-channel motion stream: one example per labelled
/// session, the window of <see cref="SwingWindowing.WindowSamples"/> samples around the impact.
/// </summary>
internal sealed class SwingTask : LearningTask<MotionBatch, MotionSeries>
{
    public override string Name => LearningTasks.Swing;

    public override string Stream => Topics.StreamName(TelemetryStream.Motion);

    public override string Architecture => "swing-cnn";

    public override IReadOnlyList<int> InputShape { get; } = [MotionChannels.Count, SwingWindowing.WindowSamples];

    // A swing window is a time series whose shape is the class: no augmentation (the default).

    protected override DecodeResult<MotionBatch> DecodeItem(ReadOnlySpan<byte> payload) => MotionBatchCodec.Decode(payload);

    // Each channel's limit, indexed by channel: Check runs over every sample ingest receives.
    private static readonly float[] Limits = [.. Enumerable.Range(0, MotionChannels.Count).Select(MotionChannels.Limit)];

    // One sample is eight floats, one 256-bit vector: a whole sample is checked against every channel's limit at once.
    private static readonly Vector256<float> LimitsVector = Vector256.Create(Limits);

    protected override TaskRefusal? Check(MotionBatch batch)
    {
        ReadOnlySpan<float> samples = batch.Samples;
        if (Vector256.IsHardwareAccelerated && MotionChannels.Count == Vector256<float>.Count)
        {
            for (var i = 0; i + MotionChannels.Count <= samples.Length; i += MotionChannels.Count)
            {
                if (Vector256.GreaterThanAny(Vector256.Abs(Vector256.Create(samples.Slice(i, MotionChannels.Count))), LimitsVector)
                    && Refusal(samples, i / MotionChannels.Count) is { } refusal)
                {
                    return refusal;
                }
            }

            return null;
        }

        for (var sample = 0; sample < batch.SampleCount; sample++)
        {
            if (Refusal(samples, sample) is { } refusal)
            {
                return refusal;
            }
        }

        return null;
    }

    /// <summary>The refusal for the first channel of <paramref name="sample"/> beyond its limit; null when none is.</summary>
    private static TaskRefusal? Refusal(ReadOnlySpan<float> samples, int sample)
    {
        for (var channel = 0; channel < MotionChannels.Count; channel++)
        {
            var value = samples[sample * MotionChannels.Count + channel];
            if (Math.Abs(value) > Limits[channel])
            {
                return new TaskRefusal("OutOfRange",
                    $"sample {sample} channel {MotionChannels.Names[channel]} is {value}, beyond the ±{Limits[channel]} a working sensor reports");
            }
        }

        return null;
    }

    protected override string DeviceOf(MotionBatch batch) => batch.DeviceId;

    protected override IReadOnlyList<(long Micros, string Field)> TimestampsOf(MotionBatch batch) =>
        [(batch.FirstTimestampMicros, "first_timestamp_us"), (batch.TimestampOf(batch.SampleCount - 1), "last sample timestamp")];

    protected override int SamplesOf(MotionBatch batch) => batch.SampleCount;

    protected override ValueTask<int> WriteAsync(ITelemetryStore store, IReadOnlyList<MotionBatch> items, CancellationToken cancellationToken) =>
        store.WriteMotionAsync(items, cancellationToken);

    protected override ValueTask<MotionSeries> ReadAsync(ITelemetryStore store, SessionLabel label, CancellationToken cancellationToken) =>
        store.ReadMotionAsync(label.DeviceId, label.StartMicros, label.EndMicros, cancellationToken);

    protected override IEnumerable<TaskExample> Cut(SessionLabel label, MotionSeries motion, Action<string> skip)
    {
        var start = SwingWindowing.FindWindowStart(motion.Samples);
        if (start < 0)
        {
            skip($"{label.DeviceId}/{label.SessionId}: {motion.Count} samples hold no swing window");
            yield break;
        }

        var window = motion.Samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count);
        yield return new TaskExample(SwingWindowing.ToModelInput(window), 0f, 0f);
    }

    public override ITaskInference Inference { get; } = new SwingInference();

    public override TaskInput SmokeInput() => new(SwingWindowing.ToModelInput(SmokeInputs.SwingWindow.Samples), 0f);
}
