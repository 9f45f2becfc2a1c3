namespace Pipeline.Trainer.Checkpoints;

/// <summary>
/// A round's state at an epoch boundary, when no minibatch is in flight: the model's weights and batch-norm statistics
/// (<see cref="Models.ModelArtifacts.Save"/>) and each stage optimiser's momentum buffers (null where no step ran yet).
/// </summary>
internal sealed record TrainingCheckpoint(CheckpointHeader Header, byte[] ModelState, IReadOnlyList<IReadOnlyList<float[]?>> Momentum);
