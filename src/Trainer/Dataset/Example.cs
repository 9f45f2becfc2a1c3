namespace Pipeline.Trainer.Dataset;

/// <summary>One preprocessed training example. <see cref="SessionKey"/> ("device/session") decides its held-out split.</summary>
public sealed record Example(string SessionKey, float[] Input, float Auxiliary, int ClassIndex, float ConcentrationPercent);
