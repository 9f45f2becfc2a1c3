using System.Text.Json;
using Microsoft.Extensions.Options;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Receiving;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Quarantining;

/// <summary>
/// Where refused messages go: one JSON line each in "quarantine.jsonl" (time, topic, code, reason, payload size,
/// the first bytes of the payload in base64), fsynced before the message is acknowledged. When the file reaches
/// its size limit it becomes "quarantine.1.jsonl", replacing the previous one, so the folder stays bounded.
/// </summary>
public sealed class Quarantine(IOptions<IngestOptions> options, TimeProvider time, IngestStatistics statistics, IngestMetrics metrics)
{
    public const string FileName = "quarantine.jsonl";
    public const string PreviousFileName = "quarantine.1.jsonl";

    private readonly IngestOptions _options = options.Value;
    private readonly Lock _gate = new();

    public string Folder => _options.ResolvedQuarantineFolder;

    /// <summary>Quarantines the message, counts it, and lets it be acknowledged: a bad message is kept for people, never redelivered forever.</summary>
    public void Refuse(ReceivedMessage message, TelemetryStream? stream, TelemetryRejection rejection)
    {
        Add(message.Topic, message.Payload, rejection.Code, rejection.Reason);
        statistics.AddQuarantined();
        metrics.Quarantined(stream, rejection.Code);
        message.MarkHandled();
    }

    public void Add(string topic, byte[] payload, string code, string reason)
    {
        var kept = payload.AsSpan(0, Math.Min(payload.Length, _options.QuarantinePayloadBytes));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", time.GetUtcNow());
            json.WriteString("topic", topic);
            json.WriteString("code", code);
            json.WriteString("reason", reason);
            json.WriteNumber("payloadBytes", payload.Length);
            json.WriteBase64String("payloadBase64", kept);
            json.WriteBoolean("payloadTruncated", kept.Length < payload.Length);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            Directory.CreateDirectory(Folder);
            var path = Path.Combine(Folder, FileName);
            if (File.Exists(path) && new FileInfo(path).Length + buffer.Length > _options.QuarantineMaxFileBytes)
            {
                File.Move(path, Path.Combine(Folder, PreviousFileName), overwrite: true);
            }

            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            buffer.WriteTo(file);
            file.Flush(flushToDisk: true);
        }
    }
}
