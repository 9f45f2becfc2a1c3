using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Replay;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Protocol;
using Pipeline.Settings;
using Pipeline.Simulation.Golf;

namespace Pipeline.EdgeAgent.Devices.Golf;

/// <summary>A golf club's motion sensor, feeding the swing task: simulated (<see cref="GolfClubSimulator"/>, endless) or replayed from a motion CSV file.</summary>
internal sealed class GolfClubKind : IDeviceKind
{
    public string Name => DeviceKinds.Golf;

    public string Task => LearningTasks.Swing;

    public void Check(EdgeAgentOptions options, SettingProblems problems) =>
        problems.Require(!(options.IsReplay && !File.Exists(options.ReplayPath)), nameof(options.ReplayPath), $"\"{options.ReplayPath}\" is not a file (a golf replay reads a motion CSV file)");

    public IDeviceStreamer CreateStreamer(DeviceContext device) => new MotionStreamer(device, Sessions(device));

    private static IEnumerable<SwingSession> Sessions(DeviceContext device)
    {
        var options = device.Options;
        return options.IsReplay
            ? new MotionRecordingReader(options.ReplayPath, options.SampleRateHz, device.Logger).ReadSessions()
            : Simulated(new GolfClubSimulator(options.Seed, options.SampleRateHz));
    }

    private static IEnumerable<SwingSession> Simulated(GolfClubSimulator simulator)
    {
        while (true)
        {
            yield return simulator.NextSession();
        }
    }
}
