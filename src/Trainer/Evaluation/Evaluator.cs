using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Evaluation;

/// <summary>Held-out evaluation: accuracy, macro F1 over the classes that occur, and concentration MAE for models with a regression head.</summary>
public static class Evaluator
{
    /// <summary>Runs synchronously on the calling thread (grad mode is per thread); the model is left in eval mode.</summary>
    public static ModelMetrics Evaluate(BlockSequence model, IReadOnlyList<Example> examples, int batchSize = 64)
    {
        if (examples.Count == 0)
        {
            return new ModelMetrics(0, 0, 0, model.HasConcentrationHead ? 0 : null);
        }

        model.eval();
        var predicted = new int[examples.Count];
        var absoluteError = 0.0;
        using (no_grad())
        {
            for (var start = 0; start < examples.Count; start += batchSize)
            {
                var slice = examples.Skip(start).Take(batchSize).ToArray();
                using var scope = NewDisposeScope();
                using var batch = BatchProducer.Create(0, slice, model.InputShape);
                var device = model.ParameterSlots(0, 1)[0].Current.device;
                var output = model.forward(batch.Inputs.to(device), batch.Auxiliary.to(device)).cpu();
                var classes = output[.., ..model.ClassCount].argmax(1).data<long>().ToArray();
                for (var i = 0; i < slice.Length; i++)
                {
                    predicted[start + i] = (int)classes[i];
                }

                if (model.HasConcentrationHead)
                {
                    var concentration = output[.., model.ClassCount].data<float>().ToArray();
                    absoluteError += slice.Select((e, i) => Math.Abs(concentration[i] - e.ConcentrationPercent)).Sum();
                }
            }
        }

        var truth = examples.Select(e => e.ClassIndex).ToArray();
        var accuracy = truth.Zip(predicted).Count(p => p.First == p.Second) / (double)truth.Length;
        return new ModelMetrics(accuracy, MacroF1(truth, predicted), examples.Count, model.HasConcentrationHead ? absoluteError / examples.Count : null);
    }

    /// <summary>Unweighted mean of per-class F1 over every class that is true or predicted at least once.</summary>
    public static double MacroF1(IReadOnlyList<int> truth, IReadOnlyList<int> predicted)
    {
        var classes = truth.Concat(predicted).Distinct().ToArray();
        if (classes.Length == 0)
        {
            return 0;
        }

        var sum = 0.0;
        foreach (var c in classes)
        {
            var tp = truth.Zip(predicted).Count(p => p.First == c && p.Second == c);
            var fp = truth.Zip(predicted).Count(p => p.First != c && p.Second == c);
            var fn = truth.Zip(predicted).Count(p => p.First == c && p.Second != c);
            sum += tp == 0 ? 0 : 2.0 * tp / ((2.0 * tp) + fp + fn);
        }

        return sum / classes.Length;
    }
}
