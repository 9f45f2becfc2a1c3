using Pipeline.Tasks;
namespace Pipeline.Trainer.Dataset.Augmentations;

/// <summary>The names an <see cref="Augmentation"/> has on the command line, in logs, checkpoints and model cards.</summary>
public static class AugmentationNames
{
    public static readonly IReadOnlyList<string> All = [.. Enum.GetValues<Augmentation>().Select(Name)];

    public static string Name(Augmentation augmentation) => augmentation switch
    {
        Augmentation.None => "none",
        Augmentation.QuarterTurns => "quarter-turns",
        Augmentation.Flips => "flips",
        Augmentation.Shifts => "shifts",
        _ => throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation, null),
    };

    public static bool TryParse(string name, out Augmentation augmentation)
    {
        foreach (var candidate in Enum.GetValues<Augmentation>())
        {
            if (Name(candidate) == name)
            {
                augmentation = candidate;
                return true;
            }
        }

        augmentation = Augmentation.None;
        return false;
    }
}
