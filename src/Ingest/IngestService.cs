using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Writing;
using Pipeline.Protocol;

namespace Pipeline.Ingest;

/// <summary>
/// Ingest: subscribes (QoS 1, persistent session) to every device's motion, frames, labels and status, and runs
/// receive → decode/validate → batch/write through bounded queues. The MQTT handler returns, and so the
/// broker gets its PUBACK, only once the message is stored or quarantined. On stop it first leaves the broker,
/// then drains what it already holds into the store; anything it could not finish stays unacknowledged and
/// the broker redelivers it to the next run of the same client id.
/// </summary>
public sealed class IngestService(
    MqttConnectionFactory connections,
    DecodeStage decodeStage,
    BatchingStoreWriter writer,
    UnacknowledgedMessages unacknowledged,
    IngestMetrics metrics,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<IngestService> logger) : BackgroundService
{
    public static readonly IReadOnlyList<TelemetryStream> IngestedStreams =
        [TelemetryStream.Motion, TelemetryStream.Frames, TelemetryStream.Labels, TelemetryStream.Status];

    private readonly CancellationTokenSource _abandon = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every subscription is in place, so callers can start publishing.</summary>
    public Task Subscribed => _subscribed.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var received = Channel.CreateBounded<ReceivedMessage>(new BoundedChannelOptions(settings.ReceiveQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        var decoded = Channel.CreateBounded<DecodedTelemetry>(new BoundedChannelOptions(settings.WriteQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        metrics.ObserveQueue("received", () => received.Reader.Count);
        metrics.ObserveQueue("decoded", () => decoded.Reader.Count);

        // The stages outlive stoppingToken so they can drain; _abandon stops them only if draining itself is cut short.
        var decodeLoop = Task.Run(() => decodeStage.RunAsync(received.Reader, decoded.Writer, _abandon.Token), CancellationToken.None);
        var writeLoop = Task.Run(() => writer.RunAsync(decoded.Reader, _abandon.Token), CancellationToken.None);

        var connection = connections.Create(settings.ClientId);
        try
        {
            // Handlers are registered before connecting: a resumed session delivers its queued messages right
            // after the CONNACK, and a message arriving with no handler registered would be acknowledged and lost.
            var subscriptions = IngestedStreams
                .Select(stream => connection.SubscribeAsync(Topics.AllDevices(stream), (message, ct) => OnMessageAsync(received.Writer, message, ct), stoppingToken))
                .ToList();
            await connection.ConnectAsync(stoppingToken);
            await Task.WhenAll(subscriptions);

            _subscribed.TrySetResult();
            logger.LogInformation("ingest {ClientId} subscribed to {Streams} of every device", settings.ClientId, string.Join(", ", IngestedStreams.Select(Topics.StreamName)));
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _subscribed.TrySetCanceled(CancellationToken.None);
            await connection.DisposeAsync();
            received.Writer.TryComplete();
            try
            {
                await Task.WhenAll(decodeLoop, writeLoop);
            }
            catch (OperationCanceledException)
            {
            }

            logger.LogInformation("ingest {ClientId} stopped; {Unhandled} messages left unacknowledged for redelivery", settings.ClientId, unacknowledged.Count);
        }
    }

    /// <summary>Stops gracefully; if the host's shutdown deadline passes while draining, abandons the rest to redelivery.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using var registration = cancellationToken.Register(_abandon.Cancel);
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _abandon.Dispose();
        base.Dispose();
    }

    private async Task OnMessageAsync(ChannelWriter<ReceivedMessage> queue, MqttIncomingMessage incoming, CancellationToken cancellationToken)
    {
        metrics.Received(Topics.TryParseTelemetry(incoming.Topic, out _, out _, out var stream) ? stream : null);
        var message = new ReceivedMessage(incoming.Topic, incoming.Payload, time.GetUtcNow(), unacknowledged);
        try
        {
            await queue.WriteAsync(message, cancellationToken);
        }
        catch
        {
            message.Abandon();
            throw;
        }

        await message.Handled.WaitAsync(cancellationToken);
    }
}
