using Pipeline.Protocol;

namespace Pipeline.Simulation.Microscope;

/// <summary>
/// One exposure: a fresh spot of film with its droplets, exposed to <see cref="Voc"/> at
/// <see cref="ConcentrationPercent"/> from the first frame on, observed for <see cref="FrameCount"/> frames
/// <see cref="FrameIntervalSeconds"/> apart. <see cref="NoiseSeed"/> makes every frame reproducible on its own.
/// </summary>
public sealed record DropletSession(
    VocProfile Voc,
    float ConcentrationPercent,
    float DegradationLevel,
    IReadOnlyList<Droplet> Droplets,
    int FrameCount,
    double FrameIntervalSeconds,
    int NoiseSeed)
{
    public FrameLabel FrameLabel => new(Voc.Name, ConcentrationPercent);

    public VocLabel Label => new(Voc.Name, ConcentrationPercent);
}
