using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Status;
using Pipeline.Protocol;

namespace Pipeline.Ingest.Decoding;

/// <summary>
/// The stage between receiving and writing: decodes and validates each message, quarantines the bad ones,
/// takes device status messages itself, and passes the rest on to the writer.
/// </summary>
internal sealed class DecodeStage(TelemetryDecoder decoder, Quarantine quarantine, DeviceStatusBoard statuses, IngestTelemetry ingestTelemetry, ILogger<DecodeStage> logger)
{
    /// <summary>Runs until <paramref name="input"/> completes and is drained, then completes <paramref name="output"/>.</summary>
    public async Task RunAsync(ChannelReader<ReceivedMessage> input, ChannelWriter<DecodedTelemetry> output, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in input.ReadAllAsync(cancellationToken))
            {
                DecodedTelemetry? telemetry;
                try
                {
                    telemetry = await TriageAsync(message, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A decoder bug must cost one message, not the ingest.
                    logger.LogError(e, "decoding a message on {Topic} failed unexpectedly", message.Topic);
                    await quarantine.RefuseAsync(message, null, new TelemetryRejection("InternalError", $"ingest failed on this message: {e.GetType().Name}: {e.Message}"), cancellationToken);
                    continue;
                }

                if (telemetry is not null)
                {
                    await output.WriteAsync(telemetry, cancellationToken);
                }
            }
        }
        finally
        {
            output.TryComplete();
        }
    }

    private async ValueTask<DecodedTelemetry?> TriageAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        var (telemetry, status, rejection) = decoder.Decode(message);
        if (rejection is not null)
        {
            var stream = Topics.TryParseTelemetryTopic(message.Topic, out _, out _, out var s) ? s : null;
            logger.LogDebug("quarantined a message on {Topic}: {Reason}", message.Topic, rejection.Reason);
            await quarantine.RefuseAsync(message, stream, rejection, cancellationToken);
            return null;
        }

        if (status is not null)
        {
            statuses.Update(status);
            ingestTelemetry.StatusReceived();
            message.MarkHandled();
            return null;
        }

        return telemetry;
    }
}
