using Pipeline.Models;
using Pipeline.Tasks.Inference;

namespace Pipeline.EdgeAgent.Inference;

/// <summary>How the edge asks a model what a task's <see cref="InferenceQuery"/> asks: all its inputs in one forward pass, answered by the task.</summary>
internal static class ModelQueries
{
    /// <exception cref="ArgumentException">The model cannot take the query's inputs, or answered them in a shape the task cannot read.</exception>
    public static TaskAnswer Ask(this IInferenceModel model, InferenceQuery query)
    {
        var results = model.PredictBatch(query.Inputs, query.Auxiliary);
        return query.Answer([.. results.Select(r => new ModelOutput(r.ClassName, r.Confidence, r.ConcentrationPercent, r.Probabilities ?? []))], model.Manifest.Classes);
    }
}
