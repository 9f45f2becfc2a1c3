using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Inference;
using Pipeline.EdgeAgent.Simulation;
using Pipeline.EdgeAgent.Simulation.Golf;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>
/// Streams the golf club: one continuous motion stream (one stream id per run, sequence +1 per batch), each
/// batch published once its last sample has been recorded in simulated time, and a session label when each
/// swing session ends.
/// </summary>
internal sealed class MotionStreamer(EdgeAgentOptions options, MqttConnection connection, SimulatedClock clock, AgentCounters counters, ILogger logger)
    : IDeviceStreamer
{
    public async Task RunAsync(InferenceLoop inference, CancellationToken cancellationToken)
    {
        var simulator = new GolfClubSimulator(options.Seed, options.SampleRateHz);
        var streamId = (uint)Random.Shared.NextInt64(0, (long)uint.MaxValue + 1);
        var motionTopic = Topics.Motion(options.Site, options.DeviceId);
        var labelTopic = Topics.Labels(options.Site, options.DeviceId);
        ulong sequence = 0;
        long streamSample = 0;
        logger.LogInformation("{Device}: streaming golf swings at {Rate} Hz, stream {Stream:x8}, speed x{Speed}", options.DeviceId, options.SampleRateHz, streamId, clock.SpeedFactor);

        for (var session = 0; options.MaxSessions == 0 || session < options.MaxSessions; session++)
        {
            var swing = simulator.NextSession();
            var sessionStart = streamSample;
            for (var offset = 0; offset < swing.SampleCount; offset += options.BatchSamples)
            {
                var count = Math.Min(options.BatchSamples, swing.SampleCount - offset);
                await clock.WaitUntilAsync(TimestampOf(streamSample + count), cancellationToken);
                var batch = new MotionBatch(
                    options.DeviceId,
                    streamId,
                    sequence++,
                    TimestampOf(streamSample),
                    (float)options.SampleRateHz,
                    swing.Samples.AsSpan(offset * MotionChannels.Count, count * MotionChannels.Count).ToArray());
                await connection.PublishAsync(motionTopic, MotionBatchCodec.Encode(batch), retain: false, cancellationToken);
                counters.AddSamples(count);
                streamSample += count;
            }

            var label = new SessionLabel(options.DeviceId, $"{streamId:x8}-{session}", LearningTasks.Swing,
                TimestampOf(sessionStart), TimestampOf(streamSample), swing.Label, Voc: null);
            await connection.PublishAsync(labelTopic, ControlMessageCodec.Encode(label), retain: false, cancellationToken);
            inference.Offer(new SwingInferenceRequest(TimestampOf(sessionStart), options.SampleRateHz, swing.Samples, swing.ClassName));
        }

        logger.LogInformation("{Device}: streamed {Sessions} sessions; streaming stops", options.DeviceId, options.MaxSessions);
    }

    private long TimestampOf(long streamSample) => clock.StartMicros + (long)Math.Round(streamSample * 1_000_000d / options.SampleRateHz);
}
