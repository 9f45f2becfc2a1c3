using Microsoft.Extensions.Logging;
using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Replay;
using Pipeline.Simulation.Golf;
using Pipeline.Simulation.Microscope;

namespace Pipeline.EdgeAgent.Streaming;

/// <summary>Where a device's sessions come from: its simulator (endless), or the recording at <see cref="EdgeAgentOptions.ReplayPath"/>.</summary>
internal static class DeviceSessions
{
    public static IEnumerable<SwingSession> Swings(EdgeAgentOptions options, ILogger logger) =>
        options.IsReplay
            ? new MotionRecordingReader(options.ReplayPath, options.SampleRateHz, logger).ReadSessions()
            : Simulated(new GolfClubSimulator(options.Seed, options.SampleRateHz));

    public static IEnumerable<FrameExposure> Exposures(EdgeAgentOptions options, ILogger logger) =>
        options.IsReplay
            ? new FrameRecordingReader(options.ReplayPath, logger).ReadExposures()
            : Simulated(new DropletMicroscopeSimulator(options.Seed, options.FrameSize, options.FrameSize, options.MaxDegradation,
                options.FramesPerSession, options.FrameIntervalSeconds, options.FrameFormat));

    private static IEnumerable<SwingSession> Simulated(GolfClubSimulator simulator)
    {
        while (true)
        {
            yield return simulator.NextSession();
        }
    }

    private static IEnumerable<FrameExposure> Simulated(DropletMicroscopeSimulator simulator)
    {
        while (true)
        {
            var exposure = simulator.NextSession();
            yield return new FrameExposure(exposure.Label, exposure.DegradationLevel, exposure.FrameCount,
                k => new RecordedFrame(simulator.Width, simulator.Height, simulator.Format, simulator.RenderFrame(exposure, k), exposure.FrameLabel));
        }
    }
}
