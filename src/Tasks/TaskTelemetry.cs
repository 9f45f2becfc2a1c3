namespace Pipeline.Tasks;

/// <summary>
/// One decoded data message of a task. <see cref="Timestamps"/> are the times ingest checks against its clock rules,
/// each with the field it came from; <see cref="Samples"/> is how many sensor samples it carries (for rates).
/// </summary>
public sealed record TaskTelemetry(ILearningTask Task, string DeviceId, object Value, IReadOnlyList<(long Micros, string Field)> Timestamps, int Samples);
