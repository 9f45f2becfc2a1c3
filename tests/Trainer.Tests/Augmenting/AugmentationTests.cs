using Pipeline.Protocol;
using Pipeline.Trainer.Dataset;
using Pipeline.Trainer.Dataset.Augmentations;
using Pipeline.Tasks;

namespace Pipeline.Trainer.Tests.Augmenting;

public class AugmentationTests
{
    private static readonly int[] Shape = [1, 3, 3];

    [Fact]
    public async Task WriteEpochs_NoAugmentation_BatchesHoldTheExamplesExactlyAsGiven()
    {
        var examples = Squares(count: 8);
        var inputs = await BatchInputsAsync(examples, Augmentation.None);

        Assert.Equal(examples.Select(e => e.Input).OrderBy(Key), inputs.OrderBy(Key));
    }

    [Fact]
    public async Task WriteEpochs_QuarterTurns_TurnsSomeExamplesAndOnlyByQuarterTurns()
    {
        var examples = Squares(count: 32);
        var inputs = await BatchInputsAsync(examples, Augmentation.QuarterTurns);

        var turnings = examples.ToDictionary(e => Key(QuarterTurns.Turn(e, Shape, 0).Input), e => Enumerable.Range(0, 4).Select(t => Key(QuarterTurns.Turn(e, Shape, t).Input)).ToHashSet());
        Assert.All(inputs, input => Assert.Contains(turnings.Values, set => set.Contains(Key(input))));
        Assert.Contains(inputs, input => !turnings.ContainsKey(Key(input)));
    }

    [Fact]
    public void Flip_MirrorsEachRow_AndShift_MovesByWholePixelsFillingZeros()
    {
        var example = new Example("s", [1, 2, 3, 4, 5, 6, 7, 8, 9], 0f, 0, 0f);

        Assert.Equal<float>([3, 2, 1, 6, 5, 4, 9, 8, 7], HorizontalFlips.Flip(example, Shape).Input);
        Assert.Equal<float>([0, 0, 0, 0, 1, 2, 0, 4, 5], PixelShifts.Shift(example, Shape, dx: 1, dy: 1).Input);
        Assert.Equal<float>([5, 6, 0, 8, 9, 0, 0, 0, 0], PixelShifts.Shift(example, Shape, dx: -1, dy: -1).Input);
    }

    [Fact]
    public void TaskDefinitions_DropletsTurnByQuarterTurns_SwingsAreNotAugmented()
    {
        Assert.Equal(Augmentation.QuarterTurns, TaskRegistry.BuiltIn.Find(LearningTasks.Droplet).Augmentation);
        Assert.Equal(Augmentation.None, TaskRegistry.BuiltIn.Find(LearningTasks.Swing).Augmentation);
    }

    [Theory]
    [InlineData("quarter-turns", new[] { 1, 3, 4 }, "quarter-turns needs square images [C × S × S]; the inputs are [1 × 3 × 4]")]
    [InlineData("flips", new[] { 8, 512 }, "flips needs images [C × H × W]; the inputs are [8 × 512]")]
    public void Augmenter_ImageAugmentationOnInputsItCannotTake_IsRefusedWithTheShape(string name, int[] shape, string problem)
    {
        Assert.True(AugmentationNames.TryParse(name, out var augmentation));

        Assert.Equal(problem, ExampleAugmenter.Problem(augmentation, shape));
        Assert.Throws<ArgumentException>(() => new ExampleAugmenter(augmentation, shape));
    }

    [Fact]
    public async Task WriteEpochs_ResumedAtALaterEpoch_ReplaysTheAugmentationDrawsOfTheEpochsBefore()
    {
        var examples = Squares(count: 12);
        foreach (var augmentation in Enum.GetValues<Augmentation>())
        {
            var straight = await BatchInputsAsync(examples, augmentation, epochs: 3);
            var resumed = await BatchInputsAsync(examples, augmentation, epochs: 3, firstEpoch: 2);

            Assert.Equal(straight.Skip(examples.Count * 2).Select(Key), resumed.Select(Key));
        }
    }

    private static List<Example> Squares(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new Example($"s{i}", [.. Enumerable.Range(0, 9).Select(p => (float)((i * 9) + p))], 0f, i % 2, 0f))];

    private static string Key(float[] input) => string.Join(',', input);

    private static async Task<List<float[]>> BatchInputsAsync(IReadOnlyList<Example> examples, Augmentation augmentation, int epochs = 1, int firstEpoch = 0)
    {
        var channel = BatchProducer.CreateChannel(64);
        await BatchProducer.WriteEpochsAsync(channel.Writer, examples, Shape, batchSize: 4, epochs, seed: 3, CancellationToken.None, firstEpoch, augmentation);
        var inputs = new List<float[]>();
        await foreach (var batch in channel.Reader.ReadAllAsync())
        {
            using (batch)
            {
                var values = batch.Inputs.data<float>().ToArray();
                inputs.AddRange(values.Chunk(9));
            }
        }

        return inputs;
    }
}
