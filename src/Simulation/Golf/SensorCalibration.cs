using Pipeline.Protocol;

namespace Pipeline.Simulation.Golf;

/// <summary>
/// A club's own gain and offset error per channel, fixed at manufacture: drawn from the device seed, so two
/// clubs read the same swing slightly differently and a model cannot rely on one device's exact scale.
/// </summary>
public sealed class SensorCalibration
{
    private static readonly double[] OffsetSd = [40, 40, 0.03, 0.03, 0.03, 2, 2, 2];

    private SensorCalibration(float[] gain, float[] offset)
    {
        Gain = gain;
        Offset = offset;
    }

    public IReadOnlyList<float> Gain { get; }

    public IReadOnlyList<float> Offset { get; }

    public static SensorCalibration FromSeed(int seed)
    {
        // A stream separate from the swings', so changing how swings are drawn never changes a club's calibration.
        var random = new Random(unchecked((seed * 7919) ^ 0x5EED));
        var gain = new float[MotionChannels.Count];
        var offset = new float[MotionChannels.Count];
        for (var c = 0; c < MotionChannels.Count; c++)
        {
            gain[c] = (float)(1 + NormalDistribution.Sample(random, 0, 0.03));
            offset[c] = (float)NormalDistribution.Sample(random, 0, OffsetSd[c]);
        }

        return new SensorCalibration(gain, offset);
    }

    public float Apply(int channel, double trueValue) => (float)(Gain[channel] * trueValue + Offset[channel]);
}
