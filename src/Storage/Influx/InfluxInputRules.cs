using Pipeline.Protocol;
using static Pipeline.Storage.Influx.InfluxSchema;

namespace Pipeline.Storage.Influx;

/// <summary>What both InfluxDB stores refuse beyond the rules every store keeps (<see cref="Shared.StoreInputRules"/>).</summary>
internal static class InfluxInputRules
{
    /// <summary>Refuses what InfluxDB cannot hold: non-finite values and timestamps outside its nanosecond range.</summary>
    public static void Check(MotionBatch batch)
    {
        var last = batch.TimestampOf(batch.SampleCount - 1);
        if (batch.FirstTimestampMicros is < MinMicros or > MaxMicros || last is < MinMicros or > MaxMicros)
        {
            throw new InvalidTelemetryException($"motion batch {batch.DeviceId}/{batch.StreamId}/{batch.Sequence} has timestamps outside InfluxDB's range ±{MaxMicros} µs");
        }

        var bad = Array.FindIndex(batch.Samples, v => !float.IsFinite(v));
        if (bad >= 0)
        {
            throw new InvalidTelemetryException($"motion batch {batch.DeviceId}/{batch.StreamId}/{batch.Sequence}: sample {bad / MotionChannels.Count} channel {MotionChannels.Names[bad % MotionChannels.Count]} is {batch.Samples[bad]}; InfluxDB holds only finite numbers");
        }
    }

    public static void Check(TelemetryRecord record)
    {
        if (record.TimestampMicros is < MinMicros or > MaxMicros)
        {
            throw new InvalidTelemetryException($"record {record.Kind}/{record.DeviceId}/{record.StreamId}/{record.Sequence} has timestamp {record.TimestampMicros} outside InfluxDB's range ±{MaxMicros} µs");
        }
    }

    public static void Check(MicroscopyFrame frame)
    {
        if (frame.TimestampMicros is < MinMicros or > MaxMicros)
        {
            throw new InvalidTelemetryException($"frame {frame.DeviceId}/{frame.StreamId}/{frame.Sequence} has timestamp {frame.TimestampMicros} outside InfluxDB's range ±{MaxMicros} µs");
        }

        if (frame.Label is { } label && !float.IsFinite(label.ConcentrationPercent) || frame.DegradationLevel is { } d && !float.IsFinite(d))
        {
            throw new InvalidTelemetryException($"frame {frame.DeviceId}/{frame.StreamId}/{frame.Sequence} has a non-finite concentration or degradation level");
        }
    }
}
