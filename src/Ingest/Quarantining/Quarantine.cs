using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Durability.Files;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Receiving;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Quarantining;

/// <summary>
/// Where refused messages go: one JSON line each in "quarantine.jsonl" (time, topic, code, reason, payload size,
/// the first bytes of the payload in base64), fsynced before the message is acknowledged. When the file reaches
/// its size limit it becomes "quarantine.1.jsonl", replacing the previous one, so the folder stays bounded.
/// Refusals are written in groups by <see cref="RunAsync"/>, one fsync per group: a flood of bad input from one
/// producer then costs one disk flush per group, not per message, and never holds up good traffic behind it.
/// </summary>
public sealed class Quarantine(IOptions<IngestOptions> options, TimeProvider time, IngestTelemetry telemetry, ILogger<Quarantine> logger)
{
    public const string FileName = "quarantine.jsonl";
    public const string PreviousFileName = "quarantine.1.jsonl";
    private const int MaxGroup = 512;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IngestOptions _options = options.Value;
    private readonly Channel<Refusal> _pending = Channel.CreateBounded<Refusal>(new BoundedChannelOptions(options.Value.ReceiveQueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = true,
    });

    public string Folder => _options.ResolvedQuarantineFolder;

    /// <summary>
    /// Queues the message for the quarantine; it is counted and acknowledged once its line is on disk (a bad message
    /// is kept for people, never redelivered forever). Waits only while the quarantine's own queue is full.
    /// </summary>
    public ValueTask RefuseAsync(ReceivedMessage message, string? stream, TelemetryRejection rejection, CancellationToken cancellationToken) =>
        _pending.Writer.WriteAsync(new Refusal(message, stream, rejection, time.GetUtcNow()), cancellationToken);

    /// <summary>Writes queued refusals until <see cref="Complete"/> has been called and the queue is empty.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var group = new List<Refusal>(MaxGroup);
        while (await _pending.Reader.WaitToReadAsync(cancellationToken))
        {
            while (group.Count < MaxGroup && _pending.Reader.TryRead(out var refusal))
            {
                group.Add(refusal);
            }

            while (!TryWrite(group))
            {
                // Nothing is acknowledged until its line is durable; the broker keeps the messages meanwhile.
                await Task.Delay(RetryDelay, time, cancellationToken);
            }

            foreach (var refusal in group)
            {
                telemetry.Quarantined(refusal.Stream, refusal.Rejection.Code);
                refusal.Message.MarkHandled();
            }

            group.Clear();
        }
    }

    /// <summary>No more refusals will come: <see cref="RunAsync"/> finishes once the queued ones are written.</summary>
    public void Complete() => _pending.Writer.TryComplete();

    private bool TryWrite(List<Refusal> group)
    {
        using var buffer = new MemoryStream();
        foreach (var refusal in group)
        {
            WriteLine(buffer, refusal);
        }

        try
        {
            Directory.CreateDirectory(Folder);
            var path = Path.Combine(Folder, FileName);
            if (File.Exists(path) && new FileInfo(path).Length + buffer.Length > _options.QuarantineMaxFileBytes)
            {
                File.Move(path, Path.Combine(Folder, PreviousFileName), overwrite: true);
            }

            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
            buffer.WriteTo(file);
            FileFlush.ToDisk(file);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("cannot write the quarantine in {Folder} ({Error}); {Count} refused messages wait unacknowledged", Folder, e.Message, group.Count);
            return false;
        }
    }

    private void WriteLine(MemoryStream buffer, Refusal refusal)
    {
        var payload = refusal.Message.Payload;
        var kept = payload.AsSpan(0, Math.Min(payload.Length, _options.QuarantinePayloadBytes));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", refusal.Time);
            json.WriteString("topic", refusal.Message.Topic);
            json.WriteString("code", refusal.Rejection.Code);
            json.WriteString("reason", refusal.Rejection.Reason);
            json.WriteNumber("payloadBytes", payload.Length);
            json.WriteBase64String("payloadBase64", kept);
            json.WriteBoolean("payloadTruncated", kept.Length < payload.Length);
            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
    }

    private sealed record Refusal(ReceivedMessage Message, string? Stream, TelemetryRejection Rejection, DateTimeOffset Time);
}
