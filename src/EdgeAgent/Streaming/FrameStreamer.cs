using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation;
using Pipeline.EdgeAgent.Replay;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Streams the microscope: one frame stream (sequence +1 per frame, continued across restarts from the outbox's
/// checkpoint), each frame written to the outbox when it is taken in simulated time, and a session label when
/// each exposure ends; while the outbox's disk is full the device waits (nothing recorded is dropped), then catches
/// up. The outbox publisher sends them on. The exposures come from the simulator or from a
/// recording (<see cref="SessionSource{T}"/>); a recording ends the stream when it ends.
/// </summary>
internal sealed class FrameStreamer(EdgeAgentOptions options, IEnumerable<FrameExposure> exposures, DiskOutbox outbox, SimulatedClock clock, AgentTelemetry telemetry, ILogger logger)
    : IDeviceStreamer
{
    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        using var source = new SessionSource<FrameExposure>(exposures, options.DeviceId, logger);
        var position = new StreamPosition(outbox.Checkpoint, clock);
        var frameTopic = Topics.Frames(options.Site, options.DeviceId);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        long streamFrame = 0;
        logger.LogInformation("{Device}: streaming {Size}x{Size} droplet frames (or a recording's own size), stream {Stream:x8} ({How} at sequence {Sequence}, session {Session}), speed x{Speed}",
            options.DeviceId, options.FrameSize, options.FrameSize, position.StreamId, position.Resumed ? "resumed" : "new", position.NextSequence, position.FirstSession, clock.SpeedFactor);

        var session = position.FirstSession;
        for (; options.MaxSessions == 0 || session < position.FirstSession + options.MaxSessions; session++)
        {
            if (source.Next() is not { } exposure)
            {
                break;
            }

            var sessionStart = streamFrame;
            for (var k = 0; k < exposure.FrameCount; k++)
            {
                var timestamp = TimestampOf(position, streamFrame);
                await position.WaitUntilAsync(timestamp, cancellationToken);
                var recorded = exposure.FrameAt(k);
                var frame = new MicroscopyFrame(options.DeviceId, position.StreamId, position.NextSequence++, timestamp, recorded.Width, recorded.Height,
                    recorded.Format, recorded.Label, exposure.DegradationLevel, recorded.Pixels);
                streamFrame++;
                await outbox.AppendAsync(frameTopic, MicroscopyFrameCodec.Encode(frame), position.CheckpointAfter(session, TimestampOf(position, streamFrame)), endsSession: false, cancellationToken);
                telemetry.FrameRecorded();
                inference.Offer(new FrameInferenceRequest(frame, exposure.Label.Name));
            }

            var label = new SessionLabel(options.DeviceId, $"{position.StreamId:x8}-{session}", LearningTasks.Droplet,
                TimestampOf(position, sessionStart), TimestampOf(position, streamFrame), Swing: null, exposure.Label);
            await outbox.AppendAsync(labelTopic, ControlMessageCodec.Encode(label), position.CheckpointAfter(session + 1, TimestampOf(position, streamFrame)), endsSession: true, cancellationToken);
        }

        logger.LogInformation("{Device}: streamed {Sessions} sessions; streaming stops", options.DeviceId, session - position.FirstSession);
    }

    private long TimestampOf(StreamPosition position, long streamFrame) =>
        position.BaseMicros + (long)Math.Round(streamFrame * options.FrameIntervalSeconds * 1_000_000d);
}
