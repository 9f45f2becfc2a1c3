namespace Pipeline.Protocol;

/// <summary>
/// The MQTT topic layout, version 1 (docs/PROTOCOL.md, "Topics"). Telemetry is per site and device;
/// models are per task. A breaking change to any payload moves everything to "pipeline/v2".
/// </summary>
public static class Topics
{
    public const string Root = "pipeline/v1";
    public const string DefaultSite = "local";

    public static string Motion(string site, string device) => Telemetry(site, device, TelemetryStream.Motion);

    public static string Frames(string site, string device) => Telemetry(site, device, TelemetryStream.Frames);

    public static string Labels(string site, string device) => Telemetry(site, device, TelemetryStream.Labels);

    public static string Status(string site, string device) => Telemetry(site, device, TelemetryStream.Status);

    public static string Predictions(string site, string device) => Telemetry(site, device, TelemetryStream.Predictions);

    public static string Telemetry(string site, string device, TelemetryStream stream) => Telemetry(site, device, StreamName(stream));

    /// <summary>The topic of one named stream of one device: a control stream, or the data stream a task names.</summary>
    public static string Telemetry(string site, string device, string stream) =>
        $"{Root}/telemetry/{Identifiers.Require(site, nameof(site))}/{Identifiers.Require(device, nameof(device))}/{Identifiers.Require(stream, nameof(stream))}";

    /// <summary>A filter matching one stream of every device at every site, e.g. for ingest.</summary>
    public static string AllDevices(TelemetryStream stream) => $"{Root}/telemetry/+/+/{StreamName(stream)}";

    /// <summary>
    /// A shared subscription (MQTT 5 "$share/group/filter"): the broker hands each matching message to one member
    /// of the group, which is how several ingest instances split the load. mosquitto supports it; the embedded
    /// MQTTnet broker does not.
    /// </summary>
    public static string Shared(string group, string filter) => $"{SharedPrefix}{Identifiers.Require(group, nameof(group))}/{filter}";

    /// <summary>The topic filter a subscription matches messages against: a shared subscription's filter without "$share/group/".</summary>
    public static string MatchingFilter(string subscription)
    {
        if (!subscription.StartsWith(SharedPrefix, StringComparison.Ordinal))
        {
            return subscription;
        }

        var groupEnd = subscription.IndexOf('/', SharedPrefix.Length);
        return groupEnd < 0 ? subscription : subscription[(groupEnd + 1)..];
    }

    private const string SharedPrefix = "$share/";

    public static string ModelManifest(string task) => $"{Root}/models/{Identifiers.Require(task, nameof(task))}/manifest";

    public static string ModelArtifact(string task, int version) => $"{Root}/models/{Identifiers.Require(task, nameof(task))}/artifacts/{version}";

    /// <summary>Chunk <paramref name="index"/> (from 0) of a version's artifact: below <see cref="ModelArtifact"/>, one retained message each.</summary>
    public static string ModelArtifactChunk(string task, int version, int index) => $"{ModelArtifact(task, version)}/{index}";

    public static string StreamName(TelemetryStream stream) => stream switch
    {
        TelemetryStream.Motion => "motion",
        TelemetryStream.Frames => "frames",
        TelemetryStream.Labels => "labels",
        TelemetryStream.Status => "status",
        TelemetryStream.Predictions => "predictions",
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, null),
    };

    /// <summary>Splits a telemetry topic into site, device and stream; false for anything else, a task's data stream included.</summary>
    public static bool TryParseTelemetry(string topic, out string site, out string device, out TelemetryStream stream)
    {
        stream = default;
        if (!TryParseTelemetryTopic(topic, out site, out device, out var name))
        {
            return false;
        }

        TelemetryStream? parsed = name switch
        {
            "motion" => TelemetryStream.Motion,
            "frames" => TelemetryStream.Frames,
            "labels" => TelemetryStream.Labels,
            "status" => TelemetryStream.Status,
            "predictions" => TelemetryStream.Predictions,
            _ => null,
        };
        if (parsed is null)
        {
            (site, device) = ("", "");
            return false;
        }

        stream = parsed.Value;
        return true;
    }

    /// <summary>
    /// Splits a telemetry topic into site, device and stream name, whatever the stream: a learning task names the stream
    /// its data arrives on, so the set of streams grows with the registered tasks. False when the topic is not
    /// pipeline/v1/telemetry/SITE/DEVICE/STREAM with three valid identifiers.
    /// </summary>
    public static bool TryParseTelemetryTopic(string topic, out string site, out string device, out string stream)
    {
        site = device = stream = "";
        var parts = topic.Split('/');
        if (parts.Length != 6 || parts[0] != "pipeline" || parts[1] != "v1" || parts[2] != "telemetry"
            || !Identifiers.IsValid(parts[3]) || !Identifiers.IsValid(parts[4]) || !Identifiers.IsValid(parts[5]))
        {
            return false;
        }

        (site, device, stream) = (parts[3], parts[4], parts[5]);
        return true;
    }

    /// <summary>Whether <paramref name="stream"/> carries control messages (labels, status, predictions) rather than a task's data.</summary>
    public static bool IsControlStream(string stream) =>
        stream == StreamName(TelemetryStream.Labels) || stream == StreamName(TelemetryStream.Status) || stream == StreamName(TelemetryStream.Predictions);

    /// <summary>A filter matching one named stream of every device at every site.</summary>
    public static string AllDevices(string stream) => $"{Root}/telemetry/+/+/{Identifiers.Require(stream, nameof(stream))}";
}

public enum TelemetryStream
{
    Motion,
    Frames,
    Labels,
    Status,
    Predictions,
}
