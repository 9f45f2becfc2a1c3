using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.Tests.Dataset;

public class RoundSampleTests
{
    // Three classes of 600, 300 and 100 training examples, and 50 held out.
    private static readonly TrainingData Stored = new("t", ["a", "b", "c"],
        [.. Enumerable.Range(0, 1000).Select(i => Example($"train-{i}", i < 600 ? 0 : i < 900 ? 1 : 2))],
        [.. Enumerable.Range(0, 50).Select(i => Example($"held-{i}", i % 3))]);

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void NoLimitOrEnoughRoom_KeepsEverything(int max) =>
        Assert.Same(Stored, RoundSample.AtMost(Stored, max, seed: 1, round: 1));

    [Fact]
    public void OverTheLimit_KeepsAtMostMax_EachClassItsShare_InStoredOrder_AndAllHeldOut()
    {
        var sample = RoundSample.AtMost(Stored, 200, seed: 1, round: 1);

        Assert.Equal(200, sample.Train.Count);
        Assert.Equal([120, 60, 20], [.. Enumerable.Range(0, 3).Select(c => sample.Train.Count(e => e.ClassIndex == c))]);
        var positions = sample.Train.Select(e => int.Parse(e.SessionKey["train-".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Same(Stored.HeldOut, sample.HeldOut);
        Assert.Equal(Stored.Classes, sample.Classes);
    }

    [Fact]
    public void SameSeedAndRound_DrawTheSameSample_AnotherRoundAnother()
    {
        var first = Keys(RoundSample.AtMost(Stored, 200, seed: 1, round: 2));

        Assert.Equal(first, Keys(RoundSample.AtMost(Stored, 200, seed: 1, round: 2)));
        Assert.NotEqual(first, Keys(RoundSample.AtMost(Stored, 200, seed: 1, round: 3)));
        Assert.NotEqual(first, Keys(RoundSample.AtMost(Stored, 200, seed: 2, round: 2)));
    }

    [Fact]
    public void AClassTooSmallForItsShare_StillKeepsOne()
    {
        var sample = RoundSample.AtMost(Stored, 5, seed: 1, round: 1);

        Assert.All(Enumerable.Range(0, 3), c => Assert.Contains(sample.Train, e => e.ClassIndex == c));
    }

    private static string[] Keys(TrainingData data) => [.. data.Train.Select(e => e.SessionKey)];

    private static Example Example(string key, int classIndex) => new(key, [classIndex], 0, classIndex, 0);
}
