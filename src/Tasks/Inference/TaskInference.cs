namespace Pipeline.Tasks.Inference;

/// <summary>The typed way to define a task's inference: <typeparamref name="TRecorded"/> is what its devices offer to inference.</summary>
internal abstract class TaskInference<TRecorded> : ITaskInference
    where TRecorded : class
{
    public InferenceQuery Prepare(object recorded) =>
        Prepare(recorded as TRecorded ?? throw new ArgumentException($"{GetType().Name} prepares {typeof(TRecorded).Name}, not {recorded.GetType().Name}", nameof(recorded)));

    /// <exception cref="ArgumentException">The input cannot be turned into model input; the message says why.</exception>
    protected abstract InferenceQuery Prepare(TRecorded recorded);
}
