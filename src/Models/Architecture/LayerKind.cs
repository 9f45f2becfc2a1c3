namespace Pipeline.Models.Architecture;

/// <summary>The learned operations a <see cref="LearnedLayer"/> can be.</summary>
public enum LayerKind
{
    Conv1d,
    Conv2d,
    BatchNorm,
    Linear,
}
