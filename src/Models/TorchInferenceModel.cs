using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using static TorchSharp.torch;

namespace Pipeline.Models;

/// <summary>A loaded <see cref="BlockSequence"/> in eval mode. Grad mode and dispose scopes are per thread, so each call sets its own.</summary>
internal sealed class TorchInferenceModel(BlockSequence model, ModelManifest manifest) : IInferenceModel
{
    private readonly int _inputLength = model.InputShape.Aggregate(1, (a, b) => a * b);

    public ModelManifest Manifest => manifest;

    public InferenceResult Predict(ReadOnlySpan<float> input, float auxiliary)
    {
        if (input.Length != _inputLength)
        {
            throw new ArgumentException($"{model.Architecture} takes {_inputLength} input values ([{string.Join(" x ", model.InputShape)}]); got {input.Length}", nameof(input));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var shape = new long[] { 1 }.Concat(model.InputShape.Select(d => (long)d)).ToArray();
        var x = tensor(input.ToArray(), shape);
        var output = model.forward(x, tensor(new[] { auxiliary }, [1, 1]));
        var logits = output[.., ..model.ClassCount];
        var probabilities = logits.softmax(1);
        var index = (int)probabilities.argmax(1).item<long>();
        var confidence = probabilities[0, index].item<float>();
        float? concentration = model.HasConcentrationHead ? output[0, model.ClassCount].item<float>() : null;
        return new InferenceResult(index, manifest.Classes[index], confidence, concentration);
    }

    public void Dispose() => model.Dispose();
}
