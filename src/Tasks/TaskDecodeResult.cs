namespace Pipeline.Tasks;

/// <summary>The outcome of decoding one data message: the telemetry to store, or why it was refused.</summary>
public readonly record struct TaskDecodeResult(TaskTelemetry? Telemetry, TaskRefusal? Refusal)
{
    public static implicit operator TaskDecodeResult(TaskTelemetry telemetry) => new(telemetry, null);

    public static implicit operator TaskDecodeResult(TaskRefusal refusal) => new(null, refusal);
}
