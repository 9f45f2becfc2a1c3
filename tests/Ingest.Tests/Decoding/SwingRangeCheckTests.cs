using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

namespace Pipeline.Ingest.Tests.Decoding;

/// <summary>
/// The swing task's range check, which runs over every sample ingest receives (a whole sample at a time where the CPU has
/// 256-bit vectors): a value at its channel's limit passes, one beyond it on either side is refused naming the first such
/// sample and its channel, wherever in the batch it is.
/// </summary>
public sealed class SwingRangeCheckTests
{
    private const int Samples = 50;
    private static readonly SwingTask Task = new();

    public static TheoryData<int, int, float> Beyond()
    {
        var cases = new TheoryData<int, int, float>();
        foreach (var sample in new[] { 0, 1, 17, Samples - 1 })
        {
            for (var channel = 0; channel < MotionChannels.Count; channel++)
            {
                cases.Add(sample, channel, channel % 2 == 0 ? 1 : -1);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Beyond))]
    public void AValueBeyondItsChannelsLimit_IsRefused_NamingItsSampleAndChannel(int sample, int channel, float sign)
    {
        var values = Within();
        values[sample * MotionChannels.Count + channel] = sign * MotionChannels.Limit(channel) * 1.0001f;

        var refusal = Decode(values).Refusal;

        Assert.NotNull(refusal);
        Assert.Equal("OutOfRange", refusal.Code);
        Assert.StartsWith($"sample {sample} channel {MotionChannels.Names[channel]} is ", refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesAtEveryChannelsLimit_Pass()
    {
        var values = Within();
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (i / MotionChannels.Count % 2 == 0 ? 1 : -1) * MotionChannels.Limit(i % MotionChannels.Count);
        }

        var decoded = Decode(values);

        Assert.Null(decoded.Refusal);
        Assert.NotNull(decoded.Telemetry);
    }

    [Fact]
    public void OfTwoValuesBeyond_TheFirstIsNamed()
    {
        var values = Within();
        values[30 * MotionChannels.Count + MotionChannels.GyroZ] = 1e6f;
        values[12 * MotionChannels.Count + MotionChannels.Strain2] = -1e6f;

        var refusal = Decode(values).Refusal;

        Assert.NotNull(refusal);
        Assert.StartsWith("sample 12 channel strain2 ", refusal.Reason, StringComparison.Ordinal);
    }

    /// <summary>A batch whose every value is well within its channel's limit.</summary>
    private static float[] Within() =>
        [.. Enumerable.Range(0, Samples * MotionChannels.Count).Select(i => MotionChannels.Limit(i % MotionChannels.Count) / 2 * (i % 3 - 1))];

    private static Pipeline.Tasks.TaskDecodeResult Decode(float[] values) =>
        Task.Decode(MotionBatchCodec.Encode(new MotionBatch("club-1", 1, 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, 500f, values)));
}
