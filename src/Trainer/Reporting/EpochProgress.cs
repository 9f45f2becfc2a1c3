namespace Pipeline.Trainer.Reporting;

/// <summary>
/// One finished epoch: mean training loss, training accuracy (of the forward passes that trained, so it lags the
/// weights by up to an epoch), held-out accuracy after the epoch (null without held-out examples), training throughput,
/// and the validation accuracy that picks the best epoch (null without a validation split). Both accuracies are measured
/// with batch-norm statistics re-estimated for that epoch's weights, as the final model is.
/// </summary>
public sealed record EpochProgress(int Epoch, int Epochs, double Loss, double TrainAccuracy, double? HeldOutAccuracy, double SamplesPerSecond,
    double? ValidationAccuracy = null)
{
    /// <summary>The progress line shown while training, e.g. "epoch 3/12 loss 0.4127 train 83.1 % held out 80.5 % 2410 samples/s".</summary>
    public string Describe() =>
        FormattableString.Invariant($"epoch {Epoch + 1}/{Epochs} loss {Loss:F4} train {TrainAccuracy * 100:F1} %")
        + (ValidationAccuracy is { } validation ? FormattableString.Invariant($" validation {validation * 100:F1} %") : "")
        + (HeldOutAccuracy is { } heldOut ? FormattableString.Invariant($" held out {heldOut * 100:F1} %") : "")
        + FormattableString.Invariant($" {SamplesPerSecond:F0} samples/s");
}
