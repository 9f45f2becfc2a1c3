using Pipeline.Protocol;

namespace Pipeline.EdgeAgent.Agent;

/// <summary>The simulated devices an agent can drive, and the learning task each one feeds.</summary>
public static class DeviceKinds
{
    public const string Golf = "golf";
    public const string Microscope = "microscope";

    public static bool IsKnown(string? kind) => kind is Golf or Microscope;

    public static string TaskOf(string kind) => kind switch
    {
        Golf => LearningTasks.Swing,
        Microscope => LearningTasks.Droplet,
        _ => throw new ArgumentException($"unknown device kind \"{kind}\" (expected {Golf} or {Microscope})", nameof(kind)),
    };
}
