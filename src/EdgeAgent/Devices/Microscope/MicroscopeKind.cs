using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Replay;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Simulation.Microscope;

namespace Pipeline.EdgeAgent.Devices.Microscope;

/// <summary>
/// A polarised microscope watching LC droplets, feeding the droplet task: simulated (<see cref="DropletMicroscopeSimulator"/>,
/// endless, each frame rendered only when it is taken) or replayed from a folder of frames with their labels.
/// </summary>
internal sealed class MicroscopeKind : IDeviceKind
{
    public string Name => DeviceKinds.Microscope;

    public string Task => LearningTasks.Droplet;

    public void Check(EdgeAgentOptions options, SettingProblems problems) =>
        problems.Require(!(options.IsReplay && !Directory.Exists(options.ReplayPath)), nameof(options.ReplayPath), $"\"{options.ReplayPath}\" is not a folder (a microscope replay reads a folder of frames with {FrameRecordingReader.LabelFileName})");

    public IDeviceStreamer CreateStreamer(DeviceContext device) => new FrameStreamer(device, Exposures(device));

    private static IEnumerable<FrameExposure> Exposures(DeviceContext device)
    {
        var options = device.Options;
        return options.IsReplay
            ? new FrameRecordingReader(options.ReplayPath, device.Logger).ReadExposures()
            : Simulated(new DropletMicroscopeSimulator(options.Seed, options.FrameSize, options.FrameSize, options.MaxDegradation,
                options.FramesPerSession, options.FrameInterval.TotalSeconds, options.FrameFormat));
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
