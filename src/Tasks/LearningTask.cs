using Pipeline.Protocol;
using Pipeline.Storage;
using Pipeline.Tasks.Inference;

namespace Pipeline.Tasks;

/// <summary>
/// The typed way to define a task: <typeparamref name="TItem"/> is what one message of its stream decodes to,
/// <typeparamref name="TSession"/> what one labelled session's examples are cut from. The untyped
/// <see cref="ILearningTask"/> members check the types once, here.
/// </summary>
public abstract class LearningTask<TItem, TSession> : ILearningTask
    where TItem : class
    where TSession : class
{
    public abstract string Name { get; }

    public abstract string Stream { get; }

    public abstract string Architecture { get; }

    public abstract IReadOnlyList<int> InputShape { get; }

    public virtual Augmentation Augmentation => Augmentation.None;

    /// <summary>Decodes one payload; the message's device id is checked against its topic by ingest.</summary>
    protected abstract DecodeResult<TItem> DecodeItem(ReadOnlySpan<byte> payload);

    /// <summary>Checks beyond decoding (values a working sensor can report); null when the item is fine.</summary>
    protected virtual TaskRefusal? Check(TItem item) => null;

    protected abstract string DeviceOf(TItem item);

    protected abstract IReadOnlyList<(long Micros, string Field)> TimestampsOf(TItem item);

    protected virtual int SamplesOf(TItem item) => 1;

    protected abstract ValueTask<int> WriteAsync(ITelemetryStore store, IReadOnlyList<TItem> items, CancellationToken cancellationToken);

    protected abstract ValueTask<TSession> ReadAsync(ITelemetryStore store, SessionLabel label, CancellationToken cancellationToken);

    protected abstract IEnumerable<TaskExample> Cut(SessionLabel label, TSession session, Action<string> skip);

    public virtual float Target(SessionLabel label) => 0f;

    public abstract ITaskInference Inference { get; }

    public abstract TaskInput SmokeInput();

    public TaskDecodeResult Decode(ReadOnlyMemory<byte> payload)
    {
        var decoded = DecodeItem(payload.Span);
        if (!decoded.IsSuccess)
        {
            return TaskRefusal.From(decoded.Error);
        }

        var item = decoded.Value;
        return Check(item) is { } refusal ? refusal : new TaskTelemetry(this, DeviceOf(item), item, TimestampsOf(item), SamplesOf(item));
    }

    public ValueTask<int> WriteAsync(ITelemetryStore store, IReadOnlyList<TaskTelemetry> items, CancellationToken cancellationToken) =>
        WriteAsync(store, [.. items.Select(Item)], cancellationToken);

    public async ValueTask<object> ReadSessionAsync(ITelemetryStore store, SessionLabel label, CancellationToken cancellationToken) =>
        await ReadAsync(store, label, cancellationToken);

    public IEnumerable<TaskExample> Cut(SessionLabel label, object session, Action<string> skip) =>
        Cut(label, session as TSession ?? throw new ArgumentException($"task {Name} cuts {typeof(TSession).Name}, not {session.GetType().Name}", nameof(session)), skip);

    private TItem Item(TaskTelemetry telemetry) =>
        telemetry.Task == this && telemetry.Value is TItem item
            ? item
            : throw new ArgumentException($"task {Name} cannot write a {telemetry.Value.GetType().Name} decoded by task {telemetry.Task.Name}", nameof(telemetry));
}
