namespace Pipeline.Tasks;

/// <summary>
/// How training examples are varied, a property of the task (which transformations leave a class unchanged), never of
/// the input's shape: a quarter turn keeps a droplet's VOC but turns a 6 into a 9 and a shirt upside down. A task declares
/// its own (<see cref="ILearningTask.Augmentation"/>); <see cref="None"/> applies nothing. The trainer applies them.
/// </summary>
public enum Augmentation
{
    /// <summary>Examples are trained as they are.</summary>
    None,

    /// <summary>Square images turned by a random multiple of 90°: rotation-invariant classes.</summary>
    QuarterTurns,

    /// <summary>Images mirrored left to right with probability ½: classes that a mirror keeps.</summary>
    Flips,

    /// <summary>Images shifted by up to 2 pixels in each direction, the border filled with zeros.</summary>
    Shifts,
}
