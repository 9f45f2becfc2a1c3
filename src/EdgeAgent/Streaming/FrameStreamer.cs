using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.EdgeAgent.Simulation;
using Pipeline.EdgeAgent.Simulation.Microscope;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Streams the microscope: one frame stream (sequence +1 per frame, continued across restarts from the outbox's
/// checkpoint), each frame written to the outbox when it is taken in simulated time, and a session label when
/// each exposure ends. The outbox publisher sends them on.
/// </summary>
internal sealed class FrameStreamer(EdgeAgentOptions options, DiskOutbox outbox, SimulatedClock clock, AgentCounters counters, ILogger logger)
    : IDeviceStreamer
{
    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        var simulator = new DropletMicroscopeSimulator(options.Seed, options.FrameSize, options.FrameSize, options.MaxDegradation,
            options.FramesPerSession, options.FrameIntervalSeconds);
        var position = new StreamPosition(outbox.Checkpoint, clock);
        var frameTopic = Topics.Frames(options.Site, options.DeviceId);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        long streamFrame = 0;
        logger.LogInformation("{Device}: streaming {Size}x{Size} droplet frames, stream {Stream:x8} ({How} at sequence {Sequence}), speed x{Speed}",
            options.DeviceId, options.FrameSize, options.FrameSize, position.StreamId, position.Resumed ? "resumed" : "new", position.NextSequence, clock.SpeedFactor);

        for (var session = position.FirstSession; options.MaxSessions == 0 || session < position.FirstSession + options.MaxSessions; session++)
        {
            var exposure = simulator.NextSession();
            var sessionStart = streamFrame;
            for (var k = 0; k < exposure.FrameCount; k++)
            {
                var timestamp = TimestampOf(position, streamFrame);
                await position.WaitUntilAsync(timestamp, cancellationToken);
                var frame = new MicroscopyFrame(options.DeviceId, position.StreamId, position.NextSequence++, timestamp, simulator.Width, simulator.Height,
                    PixelFormat.Gray8, exposure.FrameLabel, exposure.DegradationLevel, simulator.RenderFrame(exposure, k));
                streamFrame++;
                outbox.Append(frameTopic, MicroscopyFrameCodec.Encode(frame), position.CheckpointAfter(session, TimestampOf(position, streamFrame)), endsSession: false);
                counters.AddFrame();
                inference.Offer(new FrameInferenceRequest(frame, exposure.Voc.Name));
            }

            var label = new SessionLabel(options.DeviceId, $"{position.StreamId:x8}-{session}", LearningTasks.Droplet,
                TimestampOf(position, sessionStart), TimestampOf(position, streamFrame), Swing: null, exposure.Label);
            outbox.Append(labelTopic, ControlMessageCodec.Encode(label), position.CheckpointAfter(session + 1, TimestampOf(position, streamFrame)), endsSession: true);
        }

        logger.LogInformation("{Device}: streamed {Sessions} sessions; streaming stops", options.DeviceId, options.MaxSessions);
    }

    private long TimestampOf(StreamPosition position, long streamFrame) =>
        position.BaseMicros + (long)Math.Round(streamFrame * options.FrameIntervalSeconds * 1_000_000d);
}
