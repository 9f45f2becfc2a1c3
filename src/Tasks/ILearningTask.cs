using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks.Inference;

namespace Pipeline.Tasks;

/// <summary>
/// Everything the system knows about one learning task, in one place: the telemetry stream its data arrives on and how
/// that is decoded and checked (ingest), how it is written to and read back from the store, how labelled sessions are
/// cut into preprocessed examples and which architecture learns them (trainer), how a device's model is asked about
/// what it recorded, and the recorded input a new model must answer before it goes live (edge). Ingest, the trainer and the edge agent reach a task only through this, by
/// name or by stream (<see cref="TaskRegistry"/>); adding a task is one folder implementing it and one registration
/// (<see cref="TaskServiceCollectionExtensions.AddLearningTask"/>). Implement it through <see cref="LearningTask{TItem,TSession}"/>.
/// </summary>
public interface ILearningTask
{
    /// <summary>The task's name in labels, manifests, model topics and configuration, e.g. "swing"; a valid identifier.</summary>
    string Name { get; }

    /// <summary>The telemetry stream its data arrives on (pipeline/v1/telemetry/SITE/DEVICE/STREAM), e.g. "motion"; a valid identifier.</summary>
    string Stream { get; }

    /// <summary>The architecture the trainer builds for it (a model catalogue name).</summary>
    string Architecture { get; }

    /// <summary>The shape of one preprocessed input, without the batch dimension.</summary>
    IReadOnlyList<int> InputShape { get; }

    /// <summary>How the trainer may vary its examples: only transformations that leave every class unchanged.</summary>
    Augmentation Augmentation { get; }

    /// <summary>Decodes and checks one untrusted payload from <see cref="Stream"/>; never throws for bad input.</summary>
    TaskDecodeResult Decode(ReadOnlyMemory<byte> payload);

    /// <summary>Stores the items not already stored (items from <see cref="Decode"/>); returns how many were new.</summary>
    ValueTask<int> WriteAsync(ITelemetryStore store, IReadOnlyList<TaskTelemetry> items, CancellationToken cancellationToken);

    /// <summary>What a labelled session's examples are cut from: its data, read from the store.</summary>
    ValueTask<object> ReadSessionAsync(ITelemetryStore store, SessionLabel label, CancellationToken cancellationToken);

    /// <summary>
    /// The preprocessed examples of one session (<paramref name="session"/> from <see cref="ReadSessionAsync"/>); a
    /// session or part of it that cannot be cut is reported to <paramref name="skip"/> with the reason and left out.
    /// </summary>
    IEnumerable<TaskExample> Cut(SessionLabel label, object session, Action<string> skip);

    /// <summary>The regression target a label carries (0 for tasks without one).</summary>
    float Target(SessionLabel label);

    /// <summary>How the model is asked about what a device recorded, and how its answers make the prediction (edge inference).</summary>
    ITaskInference Inference { get; }

    /// <summary>A realistic preprocessed input, from a recording in the devices' wire format, that a new model must answer sensibly.</summary>
    TaskInput SmokeInput();
}
