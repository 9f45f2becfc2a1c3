using Pipeline.EdgeAgent.Inference.Detection;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Protocol;
using Pipeline.Simulation.Golf;

namespace Pipeline.EdgeAgent.Devices.Golf;

/// <summary>
/// The golf club's part of streaming (<see cref="DeviceStreamer{TSession}"/>): one continuous motion stream, each
/// session recorded as batches of Agent:BatchSamples samples, each batch written once its last sample has been recorded.
/// Each batch also goes, as it is recorded, through the <see cref="SwingDetector"/>, which knows nothing of session
/// boundaries; every swing window it cuts is offered to inference, and scored against the labelled sessions by a
/// <see cref="SwingSessionMatcher"/>, which gives the prediction its true class.
/// </summary>
internal sealed class MotionStreamer : DeviceStreamer<SwingSession>
{
    private readonly SwingDetector _detector;
    private readonly SwingSessionMatcher _matcher;

    public MotionStreamer(DeviceContext device, IEnumerable<SwingSession> sessions)
        : base(device, sessions)
    {
        var options = device.Options;
        _detector = new SwingDetector(options.SampleRateHz, options.SwingTriggerDegreesPerSecond, options.SwingReleaseDegreesPerSecond, options.SwingRefractory.TotalSeconds);
        _matcher = new SwingSessionMatcher(device.Telemetry);
    }

    protected override string Describe() => $"golf swings at {Device.Options.SampleRateHz} Hz";

    protected override long OffsetMicros(long sample) => (long)Math.Round(sample * 1_000_000d / Device.Options.SampleRateHz);

    protected override async Task RecordSessionAsync(SwingSession swing, CancellationToken cancellationToken)
    {
        var options = Device.Options;
        _matcher.Begin(Tick, swing.ClassName);
        for (var offset = 0; offset < swing.SampleCount; offset += options.BatchSamples)
        {
            var count = Math.Min(options.BatchSamples, swing.SampleCount - offset);
            var samples = swing.Samples.AsSpan(offset * MotionChannels.Count, count * MotionChannels.Count).ToArray();
            var batch = await RecordAsync(count, waitTicks: count,
                stamp => new MotionBatch(options.DeviceId, stamp.StreamId, stamp.Sequence, stamp.TimestampMicros, (float)options.SampleRateHz, samples),
                MotionBatchCodec.Encode, cancellationToken);
            Device.Telemetry.SamplesRecorded(count);
            Detect(batch.Samples);
        }

        _matcher.End(Tick);
    }

    protected override SessionLabel LabelOf(SwingSession swing, SessionLabel label) => label with { Swing = swing.Label };

    protected override string EndOfStream()
    {
        // No swing can be detected any more: every session is settled.
        _matcher.Finish();
        var telemetry = Device.Telemetry;
        return $" ({telemetry.SwingsDetected} swings detected, {telemetry.SwingsMissed} missed, {telemetry.FalseSwingDetections} false detections)";
    }

    private void Detect(float[] samples)
    {
        foreach (var swing in _detector.Append(samples))
        {
            var trueClass = _matcher.Match(swing);
            Offer(TimestampOf(swing.WindowStartSample), swing.Window, trueClass);
        }

        // A peak still to be reported lies in the detector's ring: sessions that ended before it are settled.
        _matcher.Forget(_detector.SamplesSeen - SwingDetector.CapacitySamples);
    }
}
