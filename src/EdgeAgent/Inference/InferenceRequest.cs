namespace Pipeline.EdgeAgent.Inference;

/// <summary>
/// Something the device recorded that the running model should classify, in the form its task's inference prepares
/// (<see cref="Pipeline.Tasks.Inference.ITaskInference"/>: a swing window, a microscope frame), when it was recorded,
/// and the ground truth when the device knows it.
/// </summary>
internal sealed record InferenceRequest(long InputTimestampMicros, object Recorded, string? TrueClass);
