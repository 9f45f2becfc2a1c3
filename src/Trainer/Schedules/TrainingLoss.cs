using Pipeline.Models.Architecture;
using Pipeline.Trainer.Dataset;
using TorchSharp;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Schedules;

/// <summary>Cross-entropy on the class logits, plus mean squared concentration error for models with a regression head.</summary>
internal static class TrainingLoss
{
    /// <summary>Concentrations are a few % v/v, so the squared error is comparable to the cross-entropy at this weight.</summary>
    public const double ConcentrationWeight = 0.5;

    // Held for the process's life, not converted in the call (see TorchScalars).
    private static readonly Scalar ConcentrationWeightScalar = ConcentrationWeight.ToScalar();

    public static Tensor Compute(BlockSequence model, Tensor output, TrainingBatch batch)
    {
        var device = output.device;
        var logits = output[.., ..model.ClassCount];
        var loss = nn.functional.cross_entropy(logits, batch.Labels.to(device));
        if (model.HasConcentrationHead)
        {
            loss = loss.add(nn.functional.mse_loss(output[.., model.ClassCount], batch.Concentration.to(device)), ConcentrationWeightScalar);
        }

        return loss;
    }

    /// <summary>How many examples of the minibatch the output's class logits get right: training accuracy, free from the forward already done.</summary>
    public static int CountCorrect(BlockSequence model, Tensor output, TrainingBatch batch)
    {
        using var scope = NewDisposeScope();
        return (int)output[.., ..model.ClassCount].argmax(1).eq(batch.Labels.to(output.device)).sum().item<long>();
    }
}
