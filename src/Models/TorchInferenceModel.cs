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
        CheckLength(input);
        var result = PredictBatch([input.ToArray()], auxiliary)[0];
        return result with { Probabilities = null };
    }

    public IReadOnlyList<InferenceResult> PredictBatch(IReadOnlyList<float[]> inputs, float auxiliary)
    {
        if (inputs.Count is < 1 or > IInferenceModel.MaxBatch)
        {
            throw new ArgumentException($"a batch holds 1..{IInferenceModel.MaxBatch} inputs; got {inputs.Count}", nameof(inputs));
        }

        var values = new float[inputs.Count * _inputLength];
        for (var i = 0; i < inputs.Count; i++)
        {
            CheckLength(inputs[i]);
            inputs[i].CopyTo(values, i * _inputLength);
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var shape = new long[] { inputs.Count }.Concat(model.InputShape.Select(d => (long)d)).ToArray();
        var x = tensor(values, shape);
        var output = model.forward(x, tensor(Enumerable.Repeat(auxiliary, inputs.Count).ToArray(), [inputs.Count, 1]));
        var probabilities = output[.., ..model.ClassCount].softmax(1).contiguous().data<float>().ToArray();
        var concentrations = model.HasConcentrationHead ? output[.., model.ClassCount].contiguous().data<float>().ToArray() : null;
        var results = new InferenceResult[inputs.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var row = probabilities.AsSpan(i * model.ClassCount, model.ClassCount).ToArray();
            var index = ClassScores.ArgMax(row);
            results[i] = new InferenceResult(index, manifest.Classes[index], row[index], concentrations?[i], row);
        }

        return results;
    }

    public void Dispose() => model.Dispose();

    private void CheckLength(ReadOnlySpan<float> input)
    {
        if (input.Length != _inputLength)
        {
            throw new ArgumentException($"{model.Architecture} takes {_inputLength} input values ([{string.Join(" x ", model.InputShape)}]); got {input.Length}", nameof(input));
        }
    }
}
