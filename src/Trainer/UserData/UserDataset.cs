using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// A user's labelled examples as read from disk, before the held-out split. <see cref="Classes"/> is sorted ordinally,
/// so class indices do not depend on file order. <see cref="Example.SessionKey"/> names the window or the image file,
/// which decides its side of the held-out split.
/// </summary>
public sealed record UserDataset(string Source, UserDataKind Kind, IReadOnlyList<string> Classes, IReadOnlyList<Example> Examples, IReadOnlyList<int> InputShape)
{
    /// <summary>Splits by <see cref="HeldOutSplit"/>; windows are then standardised per channel with the training side's statistics.</summary>
    public TrainingData Split(double heldOutFraction)
    {
        var train = Examples.Where(e => !HeldOutSplit.IsHeldOut(e.SessionKey, heldOutFraction)).ToList();
        var heldOut = Examples.Where(e => HeldOutSplit.IsHeldOut(e.SessionKey, heldOutFraction)).ToList();
        if (train.Count == 0 || heldOut.Count == 0)
        {
            throw new UserDataFormatException(Source, null,
                $"{Examples.Count} examples split into {train.Count} for training and {heldOut.Count} held out at a held-out fraction of {heldOutFraction:0.##}; both need at least one (add examples)");
        }

        if (Kind == UserDataKind.Windows)
        {
            var standardisation = ChannelStandardisation.Fit(train, InputShape[0], InputShape[1]);
            train = [.. train.Select(standardisation.Apply)];
            heldOut = [.. heldOut.Select(standardisation.Apply)];
        }

        return new TrainingData(Source, Classes, train, heldOut);
    }
}
