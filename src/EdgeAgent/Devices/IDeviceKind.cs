using Pipeline.EdgeAgent.Agent;
using Pipeline.EdgeAgent.Streaming;
using Pipeline.Settings;

namespace Pipeline.EdgeAgent.Devices;

/// <summary>
/// One kind of device an agent can drive (Agent:Kind): the learning task it feeds, from which its inference and smoke
/// check come, and the streamer that records its sessions from a simulator or a replayed recording. A new kind is one
/// folder implementing this and one entry in <see cref="DeviceKinds.All"/>.
/// </summary>
internal interface IDeviceKind
{
    /// <summary>The kind's name in configuration (Agent:Kind), e.g. "golf"; a valid identifier.</summary>
    string Name { get; }

    /// <summary>The name of the learning task the device feeds (see <see cref="Pipeline.Tasks.TaskRegistry"/>).</summary>
    string Task { get; }

    /// <summary>What this kind needs of the options beyond what every agent needs, e.g. a replay path of the right sort.</summary>
    void Check(EdgeAgentOptions options, SettingProblems problems);

    IDeviceStreamer CreateStreamer(DeviceContext device);
}
