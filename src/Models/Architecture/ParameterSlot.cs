using TorchSharp.Modules;

namespace Pipeline.Models.Architecture;

/// <summary>One trainable parameter position of a model, whose tensor an optimiser may replace out of place.</summary>
public sealed class ParameterSlot(LearnedLayer layer, int index)
{
    public Parameter Current => layer.GetParameter(index);

    public void Replace(Parameter replacement) => layer.ReplaceParameter(index, replacement);
}
