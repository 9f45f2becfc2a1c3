using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Inference.Detection;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Replay;
using Pipeline.Simulation;
using Pipeline.Simulation.Golf;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Streams the golf club: one continuous motion stream (sequence +1 per batch, continued across restarts from the
/// outbox's checkpoint), each batch written to the outbox once its last sample has been recorded in simulated
/// time, and a session label when each swing session ends; while the outbox's disk is full the device waits (nothing
/// recorded is dropped), then catches up. The outbox publisher sends them on. The sessions come
/// from the simulator or from a recording (<see cref="SessionSource{T}"/>); a recording ends the stream when it ends.
/// Each batch also goes, as it is recorded, through the <see cref="SwingDetector"/>, which knows nothing of session
/// boundaries; every swing window it cuts is offered to inference, and scored against the labelled sessions by a
/// <see cref="SwingSessionMatcher"/>, which gives the prediction its true class.
/// </summary>
internal sealed class MotionStreamer(EdgeAgentOptions options, IEnumerable<SwingSession> sessions, DiskOutbox outbox, SimulatedClock clock, AgentTelemetry telemetry, ILogger logger)
    : IDeviceStreamer
{
    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        using var source = new SessionSource<SwingSession>(sessions, options.DeviceId, logger);
        var position = new StreamPosition(outbox.Checkpoint, clock);
        var motionTopic = Topics.Motion(options.Site, options.DeviceId);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        long streamSample = 0;
        var detector = new SwingDetector(options.SampleRateHz, options.SwingTriggerDegreesPerSecond, options.SwingReleaseDegreesPerSecond, options.SwingRefractorySeconds);
        var matcher = new SwingSessionMatcher(telemetry);
        logger.LogInformation("{Device}: streaming golf swings at {Rate} Hz, stream {Stream:x8} ({How} at sequence {Sequence}, session {Session}), speed x{Speed}",
            options.DeviceId, options.SampleRateHz, position.StreamId, position.Resumed ? "resumed" : "new", position.NextSequence, position.FirstSession, clock.SpeedFactor);

        var session = position.FirstSession;
        for (; options.MaxSessions == 0 || session < position.FirstSession + options.MaxSessions; session++)
        {
            if (source.Next() is not { } swing)
            {
                break;
            }

            var sessionStart = streamSample;
            matcher.Begin(sessionStart, swing.ClassName);
            for (var offset = 0; offset < swing.SampleCount; offset += options.BatchSamples)
            {
                var count = Math.Min(options.BatchSamples, swing.SampleCount - offset);
                await position.WaitUntilAsync(TimestampOf(position, streamSample + count), cancellationToken);
                var samples = swing.Samples.AsSpan(offset * MotionChannels.Count, count * MotionChannels.Count).ToArray();
                var batch = new MotionBatch(
                    options.DeviceId,
                    position.StreamId,
                    position.NextSequence++,
                    TimestampOf(position, streamSample),
                    (float)options.SampleRateHz,
                    samples);
                streamSample += count;
                await outbox.AppendAsync(motionTopic, MotionBatchCodec.Encode(batch), position.CheckpointAfter(session, TimestampOf(position, streamSample)), endsSession: false, cancellationToken);
                telemetry.SamplesRecorded(count);
                Detect(detector, matcher, samples, position, inference);
            }

            matcher.End(streamSample);

            var label = new SessionLabel(options.DeviceId, $"{position.StreamId:x8}-{session}", LearningTasks.Swing,
                TimestampOf(position, sessionStart), TimestampOf(position, streamSample), swing.Label, Voc: null);
            await outbox.AppendAsync(labelTopic, ControlMessageCodec.Encode(label), position.CheckpointAfter(session + 1, TimestampOf(position, streamSample)), endsSession: true, cancellationToken);
        }

        // Reached only when the stream ends by itself (not on cancellation): no swing can be detected any more.
        matcher.Finish();
        logger.LogInformation("{Device}: streamed {Sessions} sessions ({Detected} swings detected, {Missed} missed, {False} false detections); streaming stops",
            options.DeviceId, session - position.FirstSession, telemetry.SwingsDetected, telemetry.SwingsMissed, telemetry.FalseSwingDetections);
    }

    private void Detect(SwingDetector detector, SwingSessionMatcher matcher, float[] samples, StreamPosition position, InferenceLoop inference)
    {
        foreach (var swing in detector.Append(samples))
        {
            var trueClass = matcher.Match(swing);
            inference.Offer(new SwingInferenceRequest(TimestampOf(position, swing.WindowStartSample), swing.Window, trueClass));
        }

        // A peak still to be reported lies in the detector's ring: sessions that ended before it are settled.
        matcher.Forget(detector.SamplesSeen - SwingDetector.CapacitySamples);
    }

    private long TimestampOf(StreamPosition position, long streamSample) => position.BaseMicros + (long)Math.Round(streamSample * 1_000_000d / options.SampleRateHz);
}
