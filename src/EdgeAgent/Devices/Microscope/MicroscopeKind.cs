using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Replay;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Protocol;
using Pipeline.Simulation.Microscope;

namespace Pipeline.EdgeAgent.Devices.Microscope;

/// <summary>
/// A polarised microscope watching LC droplets, feeding the droplet task: simulated (<see cref="DropletMicroscopeSimulator"/>,
/// endless, each frame rendered only when it is taken) or replayed from a folder of frames with their labels.
/// </summary>
internal sealed class MicroscopeKind()
    : SimulatedOrReplayedKind<FrameExposure>(DeviceKinds.Microscope, LearningTasks.Droplet, recordingIsFolder: true, $"a folder of frames with {FrameRecordingReader.LabelFileName}")
{
    protected override IDeviceStreamer CreateStreamer(DeviceContext device, IEnumerable<FrameExposure> exposures) => new FrameStreamer(device, exposures);

    protected override IEnumerable<FrameExposure> Replay(DeviceContext device) =>
        new FrameRecordingReader(device.Options.ReplayPath, device.Logger).ReadExposures();

    protected override Func<FrameExposure> Simulator(EdgeAgentOptions options)
    {
        var simulator = new DropletMicroscopeSimulator(options.Seed, options.FrameSize, options.FrameSize, options.MaxDegradation,
            options.FramesPerSession, options.FrameInterval.TotalSeconds, options.FrameFormat);
        return () =>
        {
            var exposure = simulator.NextSession();
            return new FrameExposure(exposure.Label, exposure.DegradationLevel, exposure.FrameCount,
                k => new RecordedFrame(simulator.Width, simulator.Height, simulator.Format, simulator.RenderFrame(exposure, k), exposure.FrameLabel));
        };
    }
}
