using Pipeline.Models.Architecture;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Models.Explaining;

/// <summary>
/// Saliency by integrated gradients (Sundararajan et al., 2017): gradient × (input − baseline), with the gradient
/// averaged along the straight path from the baseline (<see cref="SaliencyBaseline"/>) to the input. With one step it
/// is plain gradient × input measured from the baseline; averaging along the path keeps a saturated ReLU or max-pool at
/// the input itself from hiding what moved the score, and makes the map sum to the score's change. The path's points
/// go through the model as one batch and one backward pass, so a map costs about two forward passes of that batch.
/// </summary>
public static class IntegratedGradients
{
    /// <summary>Points on the path: enough for the map's sum to come within a few percent of the score's change on the task models.</summary>
    public const int DefaultSteps = 32;

    /// <summary>The most path points one map takes: bounds the memory of its batch.</summary>
    public const int MaxSteps = 256;

    /// <summary>
    /// The saliency map of one preprocessed <paramref name="input"/> (with its <paramref name="auxiliary"/> scalar) for
    /// <paramref name="explainedClass"/>, or for the class the model predicts when null. Runs on the calling thread (grad
    /// mode is per thread) and leaves the model in eval mode, so batch norm uses its running statistics and every
    /// point on the path is scored on its own. Gradients are taken with respect to the input only: the model's
    /// parameters are left without gradients.
    /// </summary>
    /// <exception cref="ArgumentException">The input does not have the model's size, the class is not one of the model's, or the steps are outside 1..<see cref="MaxSteps"/>.</exception>
    public static SaliencyMap Explain(BlockSequence model, float[] input, float auxiliary, int? explainedClass = null, int steps = DefaultSteps)
    {
        var length = model.InputShape.Aggregate(1, (a, b) => a * b);
        if (input.Length != length)
        {
            throw new ArgumentException($"{model.Architecture} takes {length} input values ([{string.Join(" × ", model.InputShape)}]); got {input.Length}", nameof(input));
        }

        if (explainedClass is { } c && (c < 0 || c >= model.ClassCount))
        {
            throw new ArgumentException($"class index {c} is not one of the model's {model.ClassCount} classes", nameof(explainedClass));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, MaxSteps);

        model.eval();
        var probabilities = Probabilities(model, input, auxiliary);
        var target = explainedClass ?? ClassScores.ArgMax(probabilities);
        var baseline = SaliencyBaseline.For(model.InputShape, input);
        var gradients = PathGradients(model, input, baseline, auxiliary, target, steps);
        var values = new float[length];
        for (var i = 0; i < length; i++)
        {
            double sum = 0;
            for (var s = 0; s < steps; s++)
            {
                sum += gradients[(s * length) + i];
            }

            values[i] = (float)(sum / steps * (input[i] - baseline[i]));
        }

        return new SaliencyMap(values, model.InputShape, target, probabilities);
    }

    private static float[] Probabilities(BlockSequence model, float[] input, float auxiliary)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var device = DeviceOf(model);
        var x = tensor(input, Shape(1, model.InputShape), device: device);
        var aux = tensor(new[] { auxiliary }, [1, 1], device: device);
        var output = model.forward(x, aux);
        var logits = output.narrow(1, 0, model.ClassCount);
        var softmax = logits.softmax(1);
        var onCpu = softmax.cpu();
        return onCpu.contiguous().data<float>().ToArray();
    }

    // The gradient of the target logit at the midpoints of `steps` equal segments of the path, [steps × input].
    private static float[] PathGradients(BlockSequence model, float[] input, float[] baseline, float auxiliary, int target, int steps)
    {
        var length = input.Length;
        var path = new float[steps * length];
        for (var s = 0; s < steps; s++)
        {
            var alpha = (s + 0.5f) / steps;
            for (var i = 0; i < length; i++)
            {
                path[(s * length) + i] = baseline[i] + (alpha * (input[i] - baseline[i]));
            }
        }

        using var grad = enable_grad();
        using var scope = NewDisposeScope();
        var device = DeviceOf(model);
        var x = tensor(path, Shape(steps, model.InputShape), device: device, requires_grad: true);
        var aux = tensor(Enumerable.Repeat(auxiliary, steps).ToArray(), [steps, 1], device: device);
        var output = model.forward(x, aux);
        var scores = output.select(1, target);
        var total = scores.sum();
        var gradients = autograd.grad([total], [x]);
        var onCpu = gradients[0].cpu();
        return onCpu.contiguous().data<float>().ToArray();
    }

    private static Device DeviceOf(BlockSequence model) => model.ParameterSlots(0, 1)[0].Current.device;

    private static long[] Shape(int batch, IReadOnlyList<int> inputShape) => [batch, .. inputShape.Select(d => (long)d)];
}
