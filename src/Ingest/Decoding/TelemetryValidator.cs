using Microsoft.Extensions.Options;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.Ingest.Decoding;

/// <summary>
/// The checks beyond decoding that every task shares: timestamps from a sane clock, labels of a registered task.
/// Decoding already refuses malformed bytes and non-finite numbers, and each task checks its own values
/// (<see cref="ILearningTask.Decode"/>).
/// </summary>
public sealed class TelemetryValidator(IOptions<IngestOptions> options, TaskRegistry tasks, TimeProvider time)
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
        !tasks.TryFind(label.Task, out _)
            ? new TelemetryRejection("UnknownTask", $"task \"{label.Task}\" is not one of {string.Join(", ", tasks.Names)}")
            : Timestamp(label.StartMicros, "startMicros") ?? Timestamp(label.EndMicros, "endMicros");

    private TelemetryRejection? Timestamp(long micros, string field)
    {
        if (micros < _options.MinTimestampMicros)
        {
            return new TelemetryRejection("BadTimestamp", $"{field} {micros} is before {DateTimeOffset.FromUnixTimeMilliseconds(_options.MinTimestampMicros / 1000):O}: the device clock is not set");
        }

        var latest = (time.GetUtcNow() + TimeSpan.FromSeconds(_options.MaxFutureSkewSeconds)).ToUnixTimeMilliseconds() * 1000;
        return micros > latest
            ? new TelemetryRejection("BadTimestamp", $"{field} {micros} is more than {_options.MaxFutureSkewSeconds} s ahead of this machine's clock")
            : null;
    }
}
