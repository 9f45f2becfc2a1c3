using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Simulation;
using Pipeline.EdgeAgent.Simulation.Microscope;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Streams the microscope: one frame stream (one stream id per run, sequence +1 per frame), each frame
/// published when it is taken in simulated time, and a session label when each exposure ends.
/// </summary>
internal sealed class FrameStreamer(EdgeAgentOptions options, MqttConnection connection, SimulatedClock clock, AgentCounters counters, ILogger logger)
    : IDeviceStreamer
{
    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        var simulator = new DropletMicroscopeSimulator(options.Seed, options.FrameSize, options.FrameSize, options.MaxDegradation,
            options.FramesPerSession, options.FrameIntervalSeconds);
        var streamId = (uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1);
        var frameTopic = Topics.Frames(options.Site, options.DeviceId);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        ulong sequence = 0;
        long streamFrame = 0;
        logger.LogInformation("{Device}: streaming {Size}x{Size} droplet frames, stream {Stream:x8}, speed x{Speed}", options.DeviceId, options.FrameSize, options.FrameSize, streamId, clock.SpeedFactor);

        for (var session = 0; options.MaxSessions == 0 || session < options.MaxSessions; session++)
        {
            var exposure = simulator.NextSession();
            var sessionStart = streamFrame;
            for (var k = 0; k < exposure.FrameCount; k++)
            {
                var timestamp = TimestampOf(streamFrame);
                await clock.WaitUntilAsync(timestamp, cancellationToken);
                var frame = new MicroscopyFrame(options.DeviceId, streamId, sequence++, timestamp, simulator.Width, simulator.Height,
                    PixelFormat.Gray8, exposure.FrameLabel, exposure.DegradationLevel, simulator.RenderFrame(exposure, k));
                await connection.PublishAsync(frameTopic, MicroscopyFrameCodec.Encode(frame), retain: false, cancellationToken);
                counters.AddFrame();
                streamFrame++;
                inference.Offer(new FrameInferenceRequest(frame, exposure.Voc.Name));
            }

            var label = new SessionLabel(options.DeviceId, $"{streamId:x8}-{session}", LearningTasks.Droplet,
                TimestampOf(sessionStart), TimestampOf(streamFrame), Swing: null, exposure.Label);
            await connection.PublishAsync(labelTopic, ControlMessageCodec.Encode(label), retain: false, cancellationToken);
        }

        logger.LogInformation("{Device}: streamed {Sessions} sessions; streaming stops", options.DeviceId, options.MaxSessions);
    }

    private long TimestampOf(long streamFrame) => clock.StartMicros + (long)Math.Round(streamFrame * options.FrameIntervalSeconds * 1_000_000d);
}
