namespace Pipeline.Tasks.Inference;

/// <summary>
/// How a task's model is asked about one thing a device recorded (a swing window, a microscope frame): what the model
/// is given, and how its answers make the prediction. The edge's inference loop reaches a task's model only through
/// this; the loop itself keeps the queue, the model, the timing and the publishing. Implement it through
/// <see cref="TaskInference{TRecorded}"/>.
/// </summary>
public interface ITaskInference
{
    /// <summary>The model inputs for one recorded input, and how their answers are read.</summary>
    /// <exception cref="ArgumentException">The input is not of this task's kind, or cannot be turned into model input; the message says why.</exception>
    InferenceQuery Prepare(object recorded);
}
