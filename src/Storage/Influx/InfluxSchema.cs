namespace Pipeline.Storage.Influx;

/// <summary>Measurement, tag and field names of the InfluxDB schema (docs/STORAGE.md, "The InfluxDB 1.x store"), and the times it can hold.</summary>
internal static class InfluxSchema
{
    public const string Motion = "motion";
    public const string Frames = "frames";
    public const string Labels = "labels";
    public const string Records = "records";

    public const string DeviceTag = "device";
    public const string StreamTag = "stream";
    public const string TaskTag = "task";
    public const string SessionTag = "session";
    public const string KindTag = "kind";

    public const string Sequence = "seq";

    /// <summary>Written on a batch's first sample only, after all its samples are stored: marks the batch as complete.</summary>
    public const string BatchSamples = "batch_samples";

    public const string Width = "width";
    public const string Height = "height";
    public const string Format = "format";
    public const string Degradation = "degradation";
    public const string Label = "label";
    public const string Concentration = "concentration";
    public const string Blob = "blob";

    /// <summary>A record's payload size; always present and never negative, so it is also the field that marks a record point as stored.</summary>
    public const string PayloadBytes = "bytes";

    public const string EndMicros = "end_us";
    public const string Player = "player";
    public const string Shape = "shape";
    public const string Voc = "voc";

    /// <summary>InfluxDB keeps nanoseconds in a signed 64-bit integer: microseconds beyond this cannot be stored or queried.</summary>
    public const long MaxMicros = long.MaxValue / 1000 - 1;
    public const long MinMicros = -MaxMicros;

    /// <summary>Clamps a read window to the times the server can hold; false when nothing is left of it.</summary>
    public static bool ClampWindow(ref long fromMicros, ref long toMicros)
    {
        (fromMicros, toMicros) = (Math.Clamp(fromMicros, MinMicros, MaxMicros), Math.Clamp(toMicros, MinMicros, MaxMicros));
        return fromMicros < toMicros;
    }
}
