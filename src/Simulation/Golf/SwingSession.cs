using Pipeline.Protocol;

namespace Pipeline.Simulation.Golf;

/// <summary>
/// One recording session of the club: the idle handling before a swing, then the swing from address to a short
/// idle after the finish. <see cref="Samples"/> is sample-major over <see cref="MotionChannels"/>;
/// <see cref="ImpactIndex"/> is the sample where the club meets the ball (the simulator's ground truth, not
/// something a receiver sees; -1 for a replayed recording).
/// </summary>
public sealed record SwingSession(string Player, string Shape, double SampleRateHz, float[] Samples, int ImpactIndex)
{
    public int SampleCount => Samples.Length / MotionChannels.Count;

    /// <summary>The first sample of the address: everything before it is idle handling (walking, waggles); -1 when unknown.</summary>
    public int AddressIndex { get; init; } = -1;

    public SwingLabel Label => new(Player, Shape);

    /// <summary>The class a swing classifier learns, as <see cref="SessionLabel.ClassName"/> spells it.</summary>
    public string ClassName => $"{Player}:{Shape}";
}
