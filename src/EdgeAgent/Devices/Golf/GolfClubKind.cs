using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Replay;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Protocol;
using Pipeline.Simulation.Golf;

namespace Pipeline.EdgeAgent.Devices.Golf;

/// <summary>A golf club's motion sensor, feeding the swing task: simulated (<see cref="GolfClubSimulator"/>, endless) or replayed from a motion CSV file.</summary>
internal sealed class GolfClubKind()
    : SimulatedOrReplayedKind<SwingSession>(DeviceKinds.Golf, LearningTasks.Swing, recordingIsFolder: false, "a motion CSV file")
{
    protected override IDeviceStreamer CreateStreamer(DeviceContext device, IEnumerable<SwingSession> sessions) => new MotionStreamer(device, sessions);

    protected override IEnumerable<SwingSession> Replay(DeviceContext device) =>
        new MotionRecordingReader(device.Options.ReplayPath, device.Options.SampleRateHz, device.Logger).ReadSessions();

    protected override Func<SwingSession> Simulator(EdgeAgentOptions options) => new GolfClubSimulator(options.Seed, options.SampleRateHz).NextSession;
}
