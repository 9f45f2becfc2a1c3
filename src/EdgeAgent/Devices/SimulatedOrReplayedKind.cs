using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Settings;

namespace Pipeline.EdgeAgent.Devices;

/// <summary>
/// A device kind whose sessions come from a simulator, without end, or, when Agent:ReplayPath is set, from a recording. What
/// such kinds do alike lives here (checking the replay path, choosing the source, simulating session after session), so a
/// kind says only what differs: its names, its recording, its simulator and its streamer.
/// </summary>
/// <param name="name">The kind's name in configuration (Agent:Kind).</param>
/// <param name="task">The learning task it feeds.</param>
/// <param name="recordingIsFolder">Whether a recording is a folder rather than one file.</param>
/// <param name="recordingDescription">What a replay reads, for the problem a wrong Agent:ReplayPath reports, e.g. "a motion CSV file".</param>
internal abstract class SimulatedOrReplayedKind<TSession>(string name, string task, bool recordingIsFolder, string recordingDescription) : IDeviceKind
{
    public string Name => name;

    public string Task => task;

    public void Check(EdgeAgentOptions options, SettingProblems problems) =>
        problems.Require(!options.IsReplay || RecordingExists(options.ReplayPath), nameof(options.ReplayPath),
            $"\"{options.ReplayPath}\" is not a {(recordingIsFolder ? "folder" : "file")} (a {name} replay reads {recordingDescription})");

    public IDeviceStreamer CreateStreamer(DeviceContext device) =>
        CreateStreamer(device, device.Options.IsReplay ? Replay(device) : Endless(Simulator(device.Options)));

    protected abstract IDeviceStreamer CreateStreamer(DeviceContext device, IEnumerable<TSession> sessions);

    /// <summary>The sessions of the recording at Agent:ReplayPath.</summary>
    protected abstract IEnumerable<TSession> Replay(DeviceContext device);

    /// <summary>A new simulator, given as the function that simulates its next session.</summary>
    protected abstract Func<TSession> Simulator(EdgeAgentOptions options);

    private bool RecordingExists(string path) => recordingIsFolder ? Directory.Exists(path) : File.Exists(path);

    private static IEnumerable<TSession> Endless(Func<TSession> next)
    {
        while (true)
        {
            yield return next();
        }
    }
}
