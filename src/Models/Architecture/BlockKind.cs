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

    /// <summary>VGG-style stage over time: two or three 3-tap Conv1d, each with batch norm and ReLU, then max-pool by 2.</summary>
    VggStage1d,

    /// <summary>
    /// Inception-style multi-scale block over time: parallel 1-, 3- and 5-tap Conv1d branches and a 3-tap max-pool
    /// branch followed by a 1-tap Conv1d, concatenated along channels, then batch norm, ReLU and max-pool by 2.
    /// </summary>
    Inception1d,

    /// <summary>
    /// 1-D basic residual block: 3-tap Conv1d (stride 1 or 2), batch norm, ReLU, 3-tap Conv1d, batch norm, plus the
    /// shortcut (identity, or a strided 1-tap Conv1d with batch norm where the shape changes), then ReLU.
    /// </summary>
    Residual1d,

    /// <summary>Conv2d without padding, ReLU, max-pool by 2: a LeNet-5 feature stage (LeNet predates batch norm).</summary>
    LeNetConv2d,

    /// <summary>
    /// Linear then ReLU on [B × features]; a feature map is first average-pooled to the fixed grid the layer was
    /// sized for and flattened (LeNet-5's 5 × 5 grid, which pooling leaves unchanged for the classic 32 × 32 input).
    /// </summary>
    DenseRelu,

    /// <summary>3 × 3 Conv2d, batch norm, ReLU, no pooling: the CIFAR ResNet stem.</summary>
    ConvBnRelu2d,

    /// <summary>
    /// CIFAR ResNet basic block: 3 × 3 Conv2d (stride 1 or 2), batch norm, ReLU, 3 × 3 Conv2d, batch norm, plus the
    /// shortcut, then ReLU. Where the shape changes the shortcut is He et al.'s option A: subsample by the stride and
    /// pad the new channels with zeros (no parameters), as in the paper's CIFAR experiments.
    /// </summary>
    Residual2d,

    /// <summary>Global average pool then one linear layer: the CIFAR ResNet classifier.</summary>
    PooledLinear,
}
