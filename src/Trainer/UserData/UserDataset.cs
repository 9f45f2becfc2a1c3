using Pipeline.Trainer.Dataset;

namespace Pipeline.Trainer.UserData;

/// <summary>
/// A user's labelled examples as read from disk, before the held-out split. <see cref="Classes"/> is sorted ordinally,
/// so class indices do not depend on file order. <see cref="Example.SessionKey"/> names the window or the image file,
/// which decides its side of the held-out split. <see cref="Test"/> is the set's own test split when it has one (IDX
/// sets): it is then the held-out side, and every one of <see cref="Examples"/> is on the training side.
/// </summary>
public sealed record UserDataset(string Source, UserDataKind Kind, IReadOnlyList<string> Classes, IReadOnlyList<Example> Examples, IReadOnlyList<int> InputShape)
{
    public IReadOnlyList<Example>? Test { get; init; }

    /// <summary>
    /// Splits by <see cref="HeldOutSplit"/>: the held-out side (the set's own test split instead, when it has one) and,
    /// from the training side, <paramref name="validationFraction"/> of all examples as the validation split that picks
    /// the best epoch (none landing there, as with a handful of examples, leaves the run keeping its last epoch). Windows
    /// are then standardised per channel with the training side's statistics.
    /// </summary>
    public TrainingData Split(double heldOutFraction, double validationFraction = 0)
    {
        var ownTest = Test is not null;
        var heldOutShare = ownTest ? 0 : heldOutFraction;
        var heldOut = Test?.ToList() ?? [.. Examples.Where(e => HeldOutSplit.IsHeldOut(e.SessionKey, heldOutShare))];
        var training = Examples.Where(e => !HeldOutSplit.IsHeldOut(e.SessionKey, heldOutShare)).ToList();
        var validation = training.Where(e => HeldOutSplit.IsHeldOut(e.SessionKey, heldOutShare + validationFraction)).ToList();
        var train = training.Where(e => !HeldOutSplit.IsHeldOut(e.SessionKey, heldOutShare + validationFraction)).ToList();
        if (train.Count == 0 || heldOut.Count == 0)
        {
            throw new UserDataFormatException(Source, null,
                $"{Examples.Count} examples split into {train.Count} for training, {validation.Count} for validation and {heldOut.Count} held out "
                + $"at a held-out fraction of {heldOutShare:0.##} and a validation fraction of {validationFraction:0.##}; training and held out need at least one each (add examples)");
        }

        if (Kind == UserDataKind.Windows)
        {
            var standardisation = ChannelStandardisation.Fit(train, InputShape[0], InputShape[1]);
            train = [.. train.Select(standardisation.Apply)];
            heldOut = [.. heldOut.Select(standardisation.Apply)];
            validation = [.. validation.Select(standardisation.Apply)];
        }

        return new TrainingData(Source, Classes, train, heldOut) { Validation = validation };
    }
}
