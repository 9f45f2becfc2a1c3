using Microsoft.Extensions.Options;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Decoding;

/// <summary>
/// The checks beyond decoding: values a working sensor can report, timestamps from a sane clock, a known task.
/// Decoding already refuses malformed bytes and non-finite numbers.
/// </summary>
public sealed class TelemetryValidator(IOptions<IngestOptions> options, TimeProvider time)
{
    private readonly IngestOptions _options = options.Value;

    public TelemetryRejection? Check(MotionBatch batch)
    {
        for (var i = 0; i < batch.Samples.Length; i++)
        {
            var channel = i % MotionChannels.Count;
            var limit = MotionChannels.Limit(channel);
            if (Math.Abs(batch.Samples[i]) > limit)
            {
                return new TelemetryRejection("OutOfRange", $"sample {i / MotionChannels.Count} channel {MotionChannels.Names[channel]} is {batch.Samples[i]}, beyond the ±{limit} a working sensor reports");
            }
        }

        return Timestamp(batch.FirstTimestampMicros, "first_timestamp_us") ?? Timestamp(batch.TimestampOf(batch.SampleCount - 1), "last sample timestamp");
    }

    public TelemetryRejection? Check(MicroscopyFrame frame) => Timestamp(frame.TimestampMicros, "timestamp_us");

    public TelemetryRejection? Check(SessionLabel label) =>
        !LearningTasks.IsKnown(label.Task)
            ? new TelemetryRejection("UnknownTask", $"task \"{label.Task}\" is not one of {string.Join(", ", LearningTasks.All)}")
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
