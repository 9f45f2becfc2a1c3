namespace Pipeline.Tasks.Inference;

/// <summary>
/// What the model is asked for one recorded input: one or more preprocessed inputs sharing one auxiliary scalar, run
/// in one forward pass, and how the model's answers to them (in the same order) make the prediction.
/// </summary>
public abstract class InferenceQuery(IReadOnlyList<float[]> inputs, float auxiliary)
{
    public IReadOnlyList<float[]> Inputs { get; } = inputs.Count > 0 ? inputs : throw new ArgumentException("a query asks about at least one input", nameof(inputs));

    public float Auxiliary { get; } = auxiliary;

    /// <summary>A query of one input whose answer is the prediction (a swing window).</summary>
    public static InferenceQuery Single(float[] input, float auxiliary) => new SingleInputQuery(input, auxiliary);

    /// <summary>The prediction from the model's answers, one per input; <paramref name="classes"/> as the model declares them.</summary>
    /// <exception cref="ArgumentException">Not one answer per input.</exception>
    public TaskAnswer Answer(IReadOnlyList<ModelOutput> outputs, IReadOnlyList<string> classes) =>
        outputs.Count == Inputs.Count
            ? Combine(outputs, classes)
            : throw new ArgumentException($"{outputs.Count} answers to {Inputs.Count} inputs", nameof(outputs));

    protected abstract TaskAnswer Combine(IReadOnlyList<ModelOutput> outputs, IReadOnlyList<string> classes);

    private sealed class SingleInputQuery(float[] input, float auxiliary) : InferenceQuery([input], auxiliary)
    {
        protected override TaskAnswer Combine(IReadOnlyList<ModelOutput> outputs, IReadOnlyList<string> classes) =>
            new(outputs[0].ClassName, outputs[0].Confidence, outputs[0].ConcentrationPercent);
    }
}
