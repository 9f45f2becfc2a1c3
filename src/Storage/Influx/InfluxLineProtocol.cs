using System.Globalization;
using System.Text;
using Pipeline.Protocol;
using static Pipeline.Storage.Influx.InfluxSchema;

namespace Pipeline.Storage.Influx;

/// <summary>
/// Escaping for InfluxDB 1.x line protocol and InfluxQL literals. Tag keys and values: comma, equals sign
/// and space are backslash-escaped; measurements: comma and space; string field values: double quote and
/// backslash. Line breaks cannot be escaped in line protocol at all, and an empty tag value silently drops the
/// tag, so both are refused rather than written wrongly. The points of our schema (docs/STORAGE.md) are built here too,
/// for both InfluxDB stores, so the 1.x and 2.x backends write byte-identical line protocol.
/// </summary>
internal static class InfluxLineProtocol
{
    /// <summary>The lines (each ending in '\n') joined into request bodies of at most <paramref name="maxPointsPerBody"/> points, built one at a time as they are asked for.</summary>
    public static IEnumerable<string> RequestBodies(IEnumerable<string> lines, int maxPointsPerBody)
    {
        var body = new StringBuilder();
        var count = 0;
        foreach (var line in lines)
        {
            body.Append(line);
            if (++count == maxPointsPerBody)
            {
                yield return body.ToString();
                body.Clear();
                count = 0;
            }
        }

        if (count > 0)
        {
            yield return body.ToString();
        }
    }

    public static void AppendMeasurement(StringBuilder line, string measurement) => AppendEscaped(line, measurement, ", ", "measurement");

    /// <summary>Appends ",key=value".</summary>
    public static void AppendTag(StringBuilder line, string key, string value)
    {
        if (value.Length == 0)
        {
            throw new ArgumentException($"tag {key} has an empty value, which line protocol cannot hold", nameof(value));
        }

        line.Append(',');
        AppendEscaped(line, key, ",= ", "tag key");
        line.Append('=');
        AppendEscaped(line, value, ",= ", "tag value");
    }

    /// <summary>Ends the tags; the fields follow.</summary>
    public static void StartFields(StringBuilder line) => line.Append(' ');

    /// <summary>Appends "key=value" for a float field, written so it reads back as exactly the same double.</summary>
    public static void AppendField(StringBuilder line, string key, double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"field {key} is {value}; line protocol holds only finite numbers", nameof(value));
        }

        AppendFieldKey(line, key);
        line.Append(value.ToString("R", CultureInfo.InvariantCulture));
    }

    public static void AppendField(StringBuilder line, string key, long value)
    {
        AppendFieldKey(line, key);
        line.Append(value.ToString(CultureInfo.InvariantCulture)).Append('i');
    }

    public static void AppendField(StringBuilder line, string key, string value)
    {
        AppendFieldKey(line, key);
        line.Append('"');
        foreach (var c in value)
        {
            if (c is '\n' or '\r')
            {
                throw new ArgumentException($"string field {key} contains a line break", nameof(value));
            }

            if (c is '"' or '\\')
            {
                line.Append('\\');
            }

            line.Append(c);
        }

        line.Append('"');
    }

    public static void AppendTimestamp(StringBuilder line, long timestamp) =>
        line.Append(' ').Append(timestamp.ToString(CultureInfo.InvariantCulture)).Append('\n');

    internal static IEnumerable<string> SampleLines(MotionBatch batch)
    {
        var line = new StringBuilder(256);
        for (var i = 0; i < batch.SampleCount; i++)
        {
            line.Clear();
            AppendSeries(line, Motion, batch.DeviceId, batch.StreamId);
            StartFields(line);
            for (var c = 0; c < MotionChannels.Count; c++)
            {
                AppendField(line, MotionChannels.Names[c], batch.Samples[i * MotionChannels.Count + c]);
            }

            AppendField(line, Sequence, unchecked((long)batch.Sequence));
            AppendTimestamp(line, batch.TimestampOf(i));
            yield return line.ToString();
        }
    }

    internal static string CompletionLine(MotionBatch batch)
    {
        var line = new StringBuilder(128);
        AppendSeries(line, Motion, batch.DeviceId, batch.StreamId);
        StartFields(line);
        AppendField(line, Sequence, unchecked((long)batch.Sequence));
        AppendField(line, BatchSamples, (long)batch.SampleCount);
        AppendTimestamp(line, batch.FirstTimestampMicros);
        return line.ToString();
    }

    internal static string FrameLine(MicroscopyFrame frame, string pixelHash)
    {
        var line = new StringBuilder(256);
        AppendSeries(line, Frames, frame.DeviceId, frame.StreamId);
        StartFields(line);
        AppendField(line, Sequence, unchecked((long)frame.Sequence));
        AppendField(line, Width, (long)frame.Width);
        AppendField(line, Height, (long)frame.Height);
        AppendField(line, Format, (long)frame.Format);
        AppendField(line, Blob, pixelHash);
        if (frame.Label is { } label)
        {
            AppendField(line, Label, label.Voc);
            AppendField(line, Concentration, label.ConcentrationPercent);
        }

        if (frame.DegradationLevel is { } degradation)
        {
            AppendField(line, Degradation, degradation);
        }

        AppendTimestamp(line, frame.TimestampMicros);
        return line.ToString();
    }

    /// <summary>Tags in key order (device, kind, stream), as InfluxDB sorts them itself.</summary>
    internal static string RecordLine(TelemetryRecord record, string payloadHash)
    {
        var line = new StringBuilder(192);
        AppendMeasurement(line, Records);
        AppendTag(line, DeviceTag, record.DeviceId);
        AppendTag(line, KindTag, record.Kind);
        AppendTag(line, StreamTag, record.StreamId.ToString(CultureInfo.InvariantCulture));
        StartFields(line);
        AppendField(line, Sequence, unchecked((long)record.Sequence));
        AppendField(line, PayloadBytes, (long)record.Payload.Length);
        AppendField(line, Blob, payloadHash);
        AppendTimestamp(line, record.TimestampMicros);
        return line.ToString();
    }

    internal static string LabelLine(SessionLabel label)
    {
        var line = new StringBuilder(256);
        AppendMeasurement(line, Labels);
        AppendTag(line, DeviceTag, label.DeviceId);
        AppendTag(line, SessionTag, label.SessionId);
        AppendTag(line, TaskTag, label.Task);
        StartFields(line);
        AppendField(line, EndMicros, label.EndMicros);
        if (label.Swing is { } swing)
        {
            AppendField(line, Player, swing.Player);
            AppendField(line, Shape, swing.Shape);
        }

        if (label.Voc is { } voc)
        {
            AppendField(line, Voc, voc.Name);
            AppendField(line, Concentration, voc.ConcentrationPercent);
        }

        AppendTimestamp(line, label.StartMicros);
        return line.ToString();
    }

    private static void AppendSeries(StringBuilder line, string measurement, string deviceId, uint streamId)
    {
        AppendMeasurement(line, measurement);
        AppendTag(line, DeviceTag, deviceId);
        AppendTag(line, StreamTag, streamId.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>An InfluxQL string literal: single-quoted, with quote and backslash escaped.</summary>
    public static string QuoteString(string value) => $"'{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'";

    /// <summary>An InfluxQL identifier: double-quoted, so keywords and odd characters are safe.</summary>
    public static string QuoteIdentifier(string name) => $"\"{name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    private static void AppendFieldKey(StringBuilder line, string key)
    {
        // Right after StartFields the separator is already there; every later field needs a comma.
        if (line.Length > 0 && line[^1] != ' ')
        {
            line.Append(',');
        }

        AppendEscaped(line, key, ",= ", "field key");
        line.Append('=');
    }

    private static void AppendEscaped(StringBuilder line, string text, string special, string what)
    {
        foreach (var c in text)
        {
            if (c is '\n' or '\r')
            {
                throw new ArgumentException($"{what} \"{text.ReplaceLineEndings(" ")}\" contains a line break, which line protocol cannot hold", nameof(text));
            }

            if (special.Contains(c, StringComparison.Ordinal))
            {
                line.Append('\\');
            }

            line.Append(c);
        }

        // A trailing backslash would escape the separator that follows it.
        if (text.EndsWith('\\'))
        {
            throw new ArgumentException($"{what} \"{text}\" ends with a backslash, which line protocol cannot hold", nameof(text));
        }
    }
}
