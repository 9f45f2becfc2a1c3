namespace Pipeline.Trainer.Dataset;

/// <summary>
/// One preprocessed training example. <see cref="SessionKey"/> ("device/session") decides its held-out split.
/// <see cref="FrameKey"/> is set on droplet examples ("device/session/sequence"): the droplets of one frame share it,
/// and evaluation averages their probabilities into one answer per frame.
/// </summary>
public sealed record Example(string SessionKey, float[] Input, float Auxiliary, int ClassIndex, float ConcentrationPercent, string? FrameKey = null);
