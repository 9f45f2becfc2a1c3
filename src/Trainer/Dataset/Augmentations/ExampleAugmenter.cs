using Pipeline.Tasks;
namespace Pipeline.Trainer.Dataset.Augmentations;

/// <summary>
/// Applies an <see cref="Augmentation"/> to training examples with draws from the data order's own random source, so a
/// run's augmentation is as reproducible as its shuffle. Every example costs the same number of draws whatever it
/// becomes, which lets <see cref="Skip"/> replay an epoch's draws without building its examples (resuming from a checkpoint).
/// </summary>
public sealed class ExampleAugmenter
{
    private readonly Augmentation _augmentation;
    private readonly IReadOnlyList<int> _inputShape;

    /// <exception cref="ArgumentException">The augmentation needs images ([C × H × W], square for quarter turns) and the input is not.</exception>
    public ExampleAugmenter(Augmentation augmentation, IReadOnlyList<int> inputShape)
    {
        if (Problem(augmentation, inputShape) is { } problem)
        {
            throw new ArgumentException(problem, nameof(augmentation));
        }

        (_augmentation, _inputShape) = (augmentation, inputShape);
    }

    /// <summary>Why <paramref name="augmentation"/> cannot apply to inputs of <paramref name="inputShape"/>; null when it can.</summary>
    public static string? Problem(Augmentation augmentation, IReadOnlyList<int> inputShape) => augmentation switch
    {
        Augmentation.None => null,
        Augmentation.QuarterTurns when inputShape is not [_, var h, var w] || h != w =>
            $"{AugmentationNames.Name(augmentation)} needs square images [C × S × S]; the inputs are [{string.Join(" × ", inputShape)}]",
        Augmentation.Flips or Augmentation.Shifts when inputShape.Count != 3 =>
            $"{AugmentationNames.Name(augmentation)} needs images [C × H × W]; the inputs are [{string.Join(" × ", inputShape)}]",
        _ => null,
    };

    public Example Apply(Example example, Random random) => _augmentation switch
    {
        Augmentation.QuarterTurns => QuarterTurns.Turn(example, _inputShape, random.Next(4)),
        Augmentation.Flips => random.Next(2) == 1 ? HorizontalFlips.Flip(example, _inputShape) : example,
        Augmentation.Shifts => PixelShifts.Shift(example, _inputShape,
            random.Next(-PixelShifts.MaxShift, PixelShifts.MaxShift + 1), random.Next(-PixelShifts.MaxShift, PixelShifts.MaxShift + 1)),
        _ => example,
    };

    /// <summary>Makes the draws <see cref="Apply"/> would make for <paramref name="examples"/> examples, the same calls in the same order.</summary>
    public void Skip(int examples, Random random)
    {
        for (var i = 0; i < examples; i++)
        {
            switch (_augmentation)
            {
                case Augmentation.QuarterTurns:
                    random.Next(4);
                    break;
                case Augmentation.Flips:
                    random.Next(2);
                    break;
                case Augmentation.Shifts:
                    random.Next(-PixelShifts.MaxShift, PixelShifts.MaxShift + 1);
                    random.Next(-PixelShifts.MaxShift, PixelShifts.MaxShift + 1);
                    break;
            }
        }
    }
}
