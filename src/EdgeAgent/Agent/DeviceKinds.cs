using Pipeline.EdgeAgent.Devices;
using Pipeline.EdgeAgent.Devices.Golf;
using Pipeline.EdgeAgent.Devices.Microscope;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>The kinds of device the edge agent ships with, and their names in configuration (Agent:Kind).</summary>
public static class DeviceKinds
{
    public const string Golf = "golf";
    public const string Microscope = "microscope";

    internal static IReadOnlyList<IDeviceKind> All { get; } = [new GolfClubKind(), new MicroscopeKind()];
}
