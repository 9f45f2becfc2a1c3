using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Replay;
using Pipeline.EdgeAgent.Simulation;
using Pipeline.EdgeAgent.Simulation.Golf;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Streams the golf club: one continuous motion stream (sequence +1 per batch, continued across restarts from the
/// outbox's checkpoint), each batch written to the outbox once its last sample has been recorded in simulated
/// time, and a session label when each swing session ends. The outbox publisher sends them on. The sessions come
/// from the simulator or from a recording (<see cref="SessionSource{T}"/>); a recording ends the stream when it ends.
/// </summary>
internal sealed class MotionStreamer(EdgeAgentOptions options, IEnumerable<SwingSession> sessions, DiskOutbox outbox, SimulatedClock clock, AgentCounters counters, ILogger logger)
    : IDeviceStreamer
{
    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        using var source = new SessionSource<SwingSession>(sessions, options.DeviceId, logger);
        var position = new StreamPosition(outbox.Checkpoint, clock);
        var motionTopic = Topics.Motion(options.Site, options.DeviceId);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        long streamSample = 0;
        logger.LogInformation("{Device}: streaming golf swings at {Rate} Hz, stream {Stream:x8} ({How} at sequence {Sequence}), speed x{Speed}",
            options.DeviceId, options.SampleRateHz, position.StreamId, position.Resumed ? "resumed" : "new", position.NextSequence, clock.SpeedFactor);

        var session = position.FirstSession;
        for (; options.MaxSessions == 0 || session < position.FirstSession + options.MaxSessions; session++)
        {
            if (source.Next() is not { } swing)
            {
                break;
            }

            var sessionStart = streamSample;
            for (var offset = 0; offset < swing.SampleCount; offset += options.BatchSamples)
            {
                var count = Math.Min(options.BatchSamples, swing.SampleCount - offset);
                await position.WaitUntilAsync(TimestampOf(position, streamSample + count), cancellationToken);
                var batch = new MotionBatch(
                    options.DeviceId,
                    position.StreamId,
                    position.NextSequence++,
                    TimestampOf(position, streamSample),
                    (float)options.SampleRateHz,
                    swing.Samples.AsSpan(offset * MotionChannels.Count, count * MotionChannels.Count).ToArray());
                streamSample += count;
                outbox.Append(motionTopic, MotionBatchCodec.Encode(batch), position.CheckpointAfter(session, TimestampOf(position, streamSample)), endsSession: false);
                counters.AddSamples(count);
            }

            var label = new SessionLabel(options.DeviceId, $"{position.StreamId:x8}-{session}", LearningTasks.Swing,
                TimestampOf(position, sessionStart), TimestampOf(position, streamSample), swing.Label, Voc: null);
            outbox.Append(labelTopic, ControlMessageCodec.Encode(label), position.CheckpointAfter(session + 1, TimestampOf(position, streamSample)), endsSession: true);
            inference.Offer(new SwingInferenceRequest(TimestampOf(position, sessionStart), options.SampleRateHz, swing.Samples, swing.ClassName));
        }

        logger.LogInformation("{Device}: streamed {Sessions} sessions; streaming stops", options.DeviceId, session - position.FirstSession);
    }

    private long TimestampOf(StreamPosition position, long streamSample) => position.BaseMicros + (long)Math.Round(streamSample * 1_000_000d / options.SampleRateHz);
}
