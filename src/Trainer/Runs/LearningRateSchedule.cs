namespace Pipeline.Trainer.Runs;

/// <summary>
/// How the learning rate changes over a run, epoch by epoch (an epoch is the unit a checkpoint resumes at, so the rate
/// of an epoch follows from its index alone and a resumed run trains at exactly the rates a straight run does).
/// </summary>
public enum LearningRateSchedule
{
    /// <summary>The base rate throughout.</summary>
    Constant,

    /// <summary>Half a cosine from the base rate down towards zero: epoch e of E trains at base · ½(1 + cos(π e / E)).</summary>
    Cosine,

    /// <summary>The base rate, divided by 10 at half and again at three quarters of the epochs.</summary>
    Step,
}
