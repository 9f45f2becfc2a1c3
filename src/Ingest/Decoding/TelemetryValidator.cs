using Microsoft.Extensions.Options;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.Ingest.Decoding;

/// <summary>
/// The checks beyond decoding that every task shares: timestamps from a sane clock, labels and predictions of a registered task.
/// Decoding already refuses malformed bytes and non-finite numbers, and each task checks its own values
/// (<see cref="ILearningTask.Decode"/>).
/// </summary>
internal sealed class TelemetryValidator(IOptions<IngestOptions> options, TaskRegistry tasks, TimeProvider time)
{
    private readonly IngestOptions _options = options.Value;

    public TelemetryRejection? Check(TaskTelemetry data)
    {
        foreach (var (micros, field) in data.Timestamps)
        {
            if (Timestamp(micros, field) is { } rejection)
            {
                return rejection;
            }
        }

        return null;
    }

    public TelemetryRejection? Check(SessionLabel label) =>
        UnknownTask(label.Task) ?? Timestamp(label.StartMicros, "startMicros") ?? Timestamp(label.EndMicros, "endMicros");

    public TelemetryRejection? Check(Prediction prediction) =>
        UnknownTask(prediction.Task) ?? Timestamp(prediction.InputTimestampMicros, "inputTimestampMicros");

    private TelemetryRejection? UnknownTask(string task) =>
        tasks.TryFind(task, out _) ? null : new TelemetryRejection("UnknownTask", $"task \"{task}\" is not one of {string.Join(", ", tasks.Names)}");

    private TelemetryRejection? Timestamp(long micros, string field)
    {
        if (micros < _options.MinTimestampMicros)
        {
            return new TelemetryRejection("BadTimestamp", $"{field} {micros} is before {DateTimeOffset.FromUnixTimeMilliseconds(_options.MinTimestampMicros / 1000):O}: the device clock is not set");
        }

        var latest = (time.GetUtcNow() + _options.MaxFutureSkew).ToUnixTimeMilliseconds() * 1000;
        return micros > latest
            ? new TelemetryRejection("BadTimestamp", $"{field} {micros} is more than {_options.MaxFutureSkew} ahead of this machine's clock")
            : null;
    }
}
