namespace Pipeline.Models.Architecture;

/// <summary>The shapes of block a model is built from.</summary>
public enum BlockKind
{
    /// <summary>Conv1d, batch norm, ReLU, max-pool by 2 over time.</summary>
    ConvPool1d,

    /// <summary>Conv2d, batch norm, ReLU, max-pool by 2 in both directions.</summary>
    ConvPool2d,

    /// <summary>One linear layer on [B × features], no activation: the building block of small test and baseline models.</summary>
    Linear,

    /// <summary>Global average pool, optionally the auxiliary input appended, then two linear layers.</summary>
    Head,
}
