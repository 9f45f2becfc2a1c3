using System.ComponentModel.DataAnnotations;

namespace Pipeline.Trainer.Observability;

/// <summary>How long the training loop may show no progress before it counts as stuck; bound from the "Trainer" section.</summary>
public sealed class TrainingLoopHealthOptions
{
    /// <summary>
    /// Seconds without progress (a store poll, a minibatch, an epoch, a round) after which the training-loop health check
    /// reports the trainer stuck. 15 minutes: above the longest step without a heartbeat (reading a large dataset, evaluating).
    /// </summary>
    [Range(1, 7 * 24 * 3600)]
    public int StallSeconds { get; set; } = 900;
}
