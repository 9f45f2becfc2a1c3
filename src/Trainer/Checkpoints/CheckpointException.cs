namespace Pipeline.Trainer.Checkpoints;

/// <summary>A checkpoint file that cannot be used: truncated, corrupt, or not a checkpoint. The message names the problem.</summary>
internal sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
