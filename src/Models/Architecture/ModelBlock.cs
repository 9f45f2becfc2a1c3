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

    private ModelBlock(string name, BlockKind kind, bool usesAuxiliary, params LearnedLayer[] layers) : base(name)
    {
        Kind = kind;
        UsesAuxiliary = usesAuxiliary;
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

    public override Tensor forward(Tensor features, Tensor auxiliary)
    {
        using var scope = NewDisposeScope();
        var result = Kind switch
        {
            BlockKind.ConvPool1d => nn.functional.max_pool1d(nn.functional.relu(_layers[1].forward(_layers[0].forward(features))), 2),
            BlockKind.ConvPool2d => nn.functional.max_pool2d(nn.functional.relu(_layers[1].forward(_layers[0].forward(features))), [2, 2]),
            BlockKind.Linear => _layers[0].forward(features),
            _ => HeadForward(features, auxiliary),
        };
        return result.MoveToOuterDisposeScope();
    }

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
