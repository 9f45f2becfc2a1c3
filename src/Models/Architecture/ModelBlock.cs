using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Models.Architecture;

/// <summary>
/// A named block of a model: the unit at whose boundaries a pipeline register may be placed. Every block
/// takes the features and the auxiliary input (a droplet frame's degradation level, [B × 1]) so the
/// auxiliary input can travel with the activations to whichever stage holds the head.
/// </summary>
public sealed class ModelBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly LearnedLayer[] _layers;

    // Residual blocks: the first convolution's stride, by which an option-A shortcut subsamples. DenseRelu: the side
    // of the grid a feature map is pooled to before flattening (0: the input is already [B × features]).
    private readonly int _stride;
    private readonly int _grid;

    private ModelBlock(string name, BlockKind kind, bool usesAuxiliary, params LearnedLayer[] layers) : this(name, kind, usesAuxiliary, 1, 0, layers)
    {
    }

    private ModelBlock(string name, BlockKind kind, bool usesAuxiliary, int stride, int grid, params LearnedLayer[] layers) : base(name)
    {
        Kind = kind;
        UsesAuxiliary = usesAuxiliary;
        _stride = stride;
        _grid = grid;
        _layers = layers;
        foreach (var layer in layers)
        {
            register_module(layer.GetName(), layer);
        }
    }

    public BlockKind Kind { get; }

    public bool UsesAuxiliary { get; }

    public IReadOnlyList<LearnedLayer> Layers => _layers;

    public static ModelBlock ConvPool1d(string name, int inChannels, int outChannels, int kernel, Random random) =>
        new(name, BlockKind.ConvPool1d, false, LearnedLayer.Conv1d(inChannels, outChannels, kernel, random), LearnedLayer.BatchNorm(outChannels));

    public static ModelBlock ConvPool2d(string name, int inChannels, int outChannels, int kernel, Random random) =>
        new(name, BlockKind.ConvPool2d, false, LearnedLayer.Conv2d(inChannels, outChannels, kernel, random), LearnedLayer.BatchNorm(outChannels));

    public static ModelBlock Linear(string name, int inFeatures, int outFeatures, Random random) =>
        new(name, BlockKind.Linear, false, LearnedLayer.Linear("linear", inFeatures, outFeatures, random));

    public static ModelBlock Head(string name, int features, bool usesAuxiliary, int hidden, int outputs, Random random) =>
        new(name, BlockKind.Head, usesAuxiliary,
            LearnedLayer.Linear("hidden", features + (usesAuxiliary ? 1 : 0), hidden, random),
            LearnedLayer.Linear("output", hidden, outputs, random));

    /// <param name="convolutions">2 or 3 convolutions, as in VGG's stages.</param>
    public static ModelBlock VggStage1d(string name, int inChannels, int outChannels, int convolutions, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(convolutions, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(convolutions, 3);
        var layers = new List<LearnedLayer>();
        for (var i = 1; i <= convolutions; i++)
        {
            layers.Add(LearnedLayer.Conv1d($"conv{i}", i == 1 ? inChannels : outChannels, outChannels, 3, random));
            layers.Add(LearnedLayer.BatchNorm($"bn{i}", outChannels));
        }

        return new(name, BlockKind.VggStage1d, false, [.. layers]);
    }

    /// <summary>Four branches of <paramref name="branchChannels"/> each: the block outputs 4 × <paramref name="branchChannels"/> channels at half the length.</summary>
    public static ModelBlock Inception1d(string name, int inChannels, int branchChannels, Random random) =>
        new(name, BlockKind.Inception1d, false,
            LearnedLayer.Conv1d("branch1", inChannels, branchChannels, 1, random),
            LearnedLayer.Conv1d("branch3", inChannels, branchChannels, 3, random),
            LearnedLayer.Conv1d("branch5", inChannels, branchChannels, 5, random),
            LearnedLayer.Conv1d("branchPool", inChannels, branchChannels, 1, random),
            LearnedLayer.BatchNorm("bn", 4 * branchChannels));

    /// <summary>A 1-D basic residual block; the shortcut is a strided 1-tap projection with batch norm where the stride or the channel count changes the shape.</summary>
    public static ModelBlock Residual1d(string name, int inChannels, int outChannels, int stride, Random random)
    {
        LearnedLayer[] main =
        [
            LearnedLayer.Conv1d("conv1", inChannels, outChannels, 3, random, stride), LearnedLayer.BatchNorm("bn1", outChannels),
            LearnedLayer.Conv1d("conv2", outChannels, outChannels, 3, random), LearnedLayer.BatchNorm("bn2", outChannels),
        ];
        return stride == 1 && inChannels == outChannels
            ? new(name, BlockKind.Residual1d, false, stride, 0, main)
            : new(name, BlockKind.Residual1d, false, stride, 0,
                [.. main, LearnedLayer.Conv1d("projection", inChannels, outChannels, 1, random, stride), LearnedLayer.BatchNorm("projectionBn", outChannels)]);
    }

    public static ModelBlock LeNetConv2d(string name, int inChannels, int outChannels, int kernel, Random random, int padding = 0) =>
        new(name, BlockKind.LeNetConv2d, false, LearnedLayer.Conv2d("conv", inChannels, outChannels, kernel, random, padding: padding));

    /// <param name="poolGrid">For a feature-map input: the side of the grid it is average-pooled to before flattening, so
    /// <paramref name="inFeatures"/> = channels × <paramref name="poolGrid"/>²; 0 for an input that is already [B × features].</param>
    public static ModelBlock DenseRelu(string name, int inFeatures, int outFeatures, Random random, int poolGrid = 0) =>
        new(name, BlockKind.DenseRelu, false, 1, poolGrid, LearnedLayer.Linear("linear", inFeatures, outFeatures, random));

    public static ModelBlock ConvBnRelu2d(string name, int inChannels, int outChannels, int kernel, Random random) =>
        new(name, BlockKind.ConvBnRelu2d, false, LearnedLayer.Conv2d("conv", inChannels, outChannels, kernel, random), LearnedLayer.BatchNorm("bn", outChannels));

    /// <summary>A CIFAR ResNet basic block with an option-A (subsample and zero-pad) shortcut where the shape changes.</summary>
    public static ModelBlock Residual2d(string name, int inChannels, int outChannels, int stride, Random random)
    {
        if (outChannels < inChannels)
        {
            throw new ArgumentOutOfRangeException(nameof(outChannels), outChannels, $"an option-A shortcut can only add channels, not go from {inChannels} to fewer");
        }

        return new(name, BlockKind.Residual2d, false, stride, 0,
            LearnedLayer.Conv2d("conv1", inChannels, outChannels, 3, random, stride), LearnedLayer.BatchNorm("bn1", outChannels),
            LearnedLayer.Conv2d("conv2", outChannels, outChannels, 3, random), LearnedLayer.BatchNorm("bn2", outChannels));
    }

    public static ModelBlock PooledLinear(string name, int features, int outputs, Random random) =>
        new(name, BlockKind.PooledLinear, false, LearnedLayer.Linear("linear", features, outputs, random));

    public override Tensor forward(Tensor features, Tensor auxiliary)
    {
        using var scope = NewDisposeScope();
        var result = Kind switch
        {
            BlockKind.ConvPool1d => nn.functional.max_pool1d(nn.functional.relu(_layers[1].forward(_layers[0].forward(features))), 2),
            BlockKind.ConvPool2d => nn.functional.max_pool2d(nn.functional.relu(_layers[1].forward(_layers[0].forward(features))), [2, 2]),
            BlockKind.Linear => _layers[0].forward(features),
            BlockKind.Head => HeadForward(features, auxiliary),
            BlockKind.VggStage1d => nn.functional.max_pool1d(ConvBnReluChain(features), 2),
            BlockKind.Inception1d => InceptionForward(features),
            BlockKind.Residual1d or BlockKind.Residual2d => ResidualForward(features),
            BlockKind.LeNetConv2d => nn.functional.max_pool2d(nn.functional.relu(_layers[0].forward(features)), [2, 2]),
            BlockKind.DenseRelu => nn.functional.relu(_layers[0].forward(Flattened(features))),
            BlockKind.ConvBnRelu2d => ConvBnReluChain(features),
            BlockKind.PooledLinear => _layers[0].forward(features.mean([.. Enumerable.Range(2, (int)features.dim() - 2).Select(d => (long)d)])),
            _ => throw new InvalidOperationException($"block kind {Kind} has no forward"),
        };
        return result.MoveToOuterDisposeScope();
    }

    // Layers in (conv, bn) pairs, each pair followed by ReLU.
    private Tensor ConvBnReluChain(Tensor features)
    {
        var x = features;
        for (var i = 0; i < _layers.Length; i += 2)
        {
            x = nn.functional.relu(_layers[i + 1].forward(_layers[i].forward(x)));
        }

        return x;
    }

    private Tensor InceptionForward(Tensor features)
    {
        var pooled = nn.functional.max_pool1d(features, 3, stride: 1, padding: 1);
        var branches = cat([_layers[0].forward(features), _layers[1].forward(features), _layers[2].forward(features), _layers[3].forward(pooled)], 1);
        return nn.functional.max_pool1d(nn.functional.relu(_layers[4].forward(branches)), 2);
    }

    // The skip connection lives inside the block, so a pipeline register between blocks never has to carry it.
    private Tensor ResidualForward(Tensor features)
    {
        var main = _layers[3].forward(_layers[2].forward(nn.functional.relu(_layers[1].forward(_layers[0].forward(features)))));
        Tensor shortcut;
        if (_layers.Length == 6)
        {
            shortcut = _layers[5].forward(_layers[4].forward(features));
        }
        else if (main.shape[1] == features.shape[1] && _stride == 1)
        {
            shortcut = features;
        }
        else
        {
            var subsampled = features;
            for (var dimension = 2; dimension < features.dim(); dimension++)
            {
                subsampled = subsampled.slice(dimension, 0, subsampled.shape[dimension], _stride);
            }

            var extra = main.shape[1] - features.shape[1];
            long[] padding = [.. Enumerable.Repeat(0L, 2 * ((int)features.dim() - 2)), extra / 2, extra - (extra / 2)];
            shortcut = nn.functional.pad(subsampled, padding);
        }

        return nn.functional.relu(main.add(shortcut, TorchScalars.One));
    }

    private Tensor Flattened(Tensor features) =>
        features.dim() == 4 && _grid > 0 ? nn.functional.adaptive_avg_pool2d(features, [_grid, _grid]).flatten(1) : features.flatten(1);

    private Tensor HeadForward(Tensor features, Tensor auxiliary)
    {
        var pooled = features.dim() == 3 ? features.mean([2]) : features.mean([2, 3]);
        if (UsesAuxiliary)
        {
            pooled = cat([pooled, auxiliary.reshape(-1, 1).to(pooled.device)], 1);
        }

        return _layers[1].forward(nn.functional.relu(_layers[0].forward(pooled)));
    }
}
