using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Trainer.Dataset;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Evaluation;

/// <summary>
/// Held-out evaluation: accuracy, macro F1 over the classes that occur, and concentration MAE for models with a
/// regression head. Examples that carry a <see cref="Example.FrameKey"/> (droplets) are judged per frame: the frame's
/// answer is the class of the mean of its droplets' probabilities and the mean of their concentrations, as the edge
/// answers; accuracy, macro F1 and concentration MAE per droplet (each droplet on its own) are reported beside them.
/// </summary>
internal static class Evaluator
{
    /// <summary>Runs synchronously on the calling thread (grad mode is per thread); the model is left in eval mode.</summary>
    public static ModelMetrics Evaluate(BlockSequence model, IReadOnlyList<Example> examples, int batchSize = 64)
    {
        if (examples.Count == 0)
        {
            return new ModelMetrics(0, 0, 0, model.HasConcentrationHead ? 0 : null);
        }

        var (probabilities, concentrations) = Predict(model, examples, batchSize);
        var predicted = probabilities.Select(p => ClassScores.ArgMax(p)).ToArray();
        var truth = examples.Select(e => e.ClassIndex).ToArray();
        var exampleAccuracy = truth.Zip(predicted).Count(p => p.First == p.Second) / (double)truth.Length;
        var exampleMacroF1 = MacroF1(truth, predicted);
        double? exampleMae = concentrations is null ? null : examples.Select((e, i) => Math.Abs(concentrations[i] - e.ConcentrationPercent)).Average();
        if (examples.All(e => e.FrameKey is null))
        {
            return new ModelMetrics(exampleAccuracy, exampleMacroF1, examples.Count, exampleMae);
        }

        // An example without a frame key stands for a frame of its own.
        var frames = Enumerable.Range(0, examples.Count).GroupBy(i => examples[i].FrameKey ?? $"\0{i}", StringComparer.Ordinal).ToArray();
        var frameTruth = new int[frames.Length];
        var framePredicted = new int[frames.Length];
        var frameError = 0.0;
        for (var f = 0; f < frames.Length; f++)
        {
            var members = frames[f].ToArray();
            var mean = new float[model.ClassCount];
            foreach (var i in members)
            {
                for (var c = 0; c < mean.Length; c++)
                {
                    mean[c] += probabilities[i][c] / members.Length;
                }
            }

            frameTruth[f] = examples[members[0]].ClassIndex;
            framePredicted[f] = ClassScores.ArgMax(mean);
            if (concentrations is not null)
            {
                frameError += Math.Abs(members.Average(i => concentrations[i]) - examples[members[0]].ConcentrationPercent);
            }
        }

        var frameAccuracy = frameTruth.Zip(framePredicted).Count(p => p.First == p.Second) / (double)frames.Length;
        return new ModelMetrics(frameAccuracy, MacroF1(frameTruth, framePredicted), frames.Length,
            concentrations is null ? null : frameError / frames.Length, exampleAccuracy, exampleMacroF1, exampleMae);
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

    // Class probabilities (softmax) per example and, for models with a regression head, the concentration per example.
    private static (float[][] Probabilities, float[]? Concentrations) Predict(BlockSequence model, IReadOnlyList<Example> examples, int batchSize)
    {
        model.eval();
        var probabilities = new float[examples.Count][];
        var concentrations = model.HasConcentrationHead ? new float[examples.Count] : null;
        using (no_grad())
        {
            for (var start = 0; start < examples.Count; start += batchSize)
            {
                var slice = examples.Skip(start).Take(batchSize).ToArray();
                using var scope = NewDisposeScope();
                using var batch = BatchProducer.Create(0, slice, model.InputShape);
                var device = model.ParameterSlots(0, 1)[0].Current.device;
                var output = model.forward(batch.Inputs.to(device), batch.Auxiliary.to(device)).cpu();
                var flat = output[.., ..model.ClassCount].softmax(1).contiguous().data<float>().ToArray();
                for (var i = 0; i < slice.Length; i++)
                {
                    probabilities[start + i] = flat.AsSpan(i * model.ClassCount, model.ClassCount).ToArray();
                }

                if (concentrations is not null)
                {
                    output[.., model.ClassCount].contiguous().data<float>().ToArray().CopyTo(concentrations, start);
                }
            }
        }

        return (probabilities, concentrations);
    }
}
