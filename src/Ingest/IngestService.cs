using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Decoding;
using Pipeline.Ingest.Observability;
using Pipeline.Ingest.Quarantining;
using Pipeline.Ingest.Receiving;
using Pipeline.Ingest.Spilling;
using Pipeline.Ingest.Writing;
using Pipeline.Protocol;
using Pipeline.Tasks;

namespace Pipeline.Ingest;

/// <summary>
/// Ingest: subscribes (QoS 1, persistent session) to every device's task data, labels, predictions and status, and runs
/// receive → decode/validate → batch/write through bounded queues. Subscriptions are manually acknowledged: the
/// MQTT handler only queues a message (waiting while the queue is full, which stops taking more; the broker holds
/// the rest), and the broker gets its PUBACK once the message's batch is stored or the message quarantined, so one
/// store write carries many messages. On stop it first leaves the broker,
/// then drains what it already holds into the store; anything it could not finish stays unacknowledged and
/// the broker redelivers it to the next run of the same client id. When the store is unavailable, batches spill
/// to disk (and are acknowledged); this service owns the loop that drains the spill back into the store.
/// </summary>
internal sealed class IngestService(
    MqttConnectionFactory connections,
    DecodeStage decodeStage,
    BatchingStoreWriter writer,
    SpillDrainer drainer,
    Quarantine quarantine,
    UnacknowledgedMessages unacknowledged,
    IngestTelemetry telemetry,
    IOptions<IngestOptions> options,
    TaskRegistry tasks,
    TimeProvider time,
    ILogger<IngestService> logger) : BackgroundService
{
    /// <summary>Every registered task's data stream, then labels, device status and predictions.</summary>
    public IReadOnlyList<string> IngestedStreams { get; } =
        [.. tasks.All.Select(task => task.Stream), Topics.StreamName(TelemetryStream.Labels), Topics.StreamName(TelemetryStream.Status),
            Topics.StreamName(TelemetryStream.Predictions)];

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
        telemetry.ObserveQueue("received", () => received.Reader.Count);
        telemetry.ObserveQueue("decoded", () => decoded.Reader.Count);

        // The stages outlive stoppingToken so they can drain; _abandon stops them only if draining itself is cut short.
        var decodeLoop = Task.Run(() => decodeStage.RunAsync(received.Reader, decoded.Writer, _abandon.Token), CancellationToken.None);
        using var writerThread = new DedicatedThreadScheduler("ingest store writer");
        var writeLoop = Task.Factory.StartNew(() => writer.RunAsync(decoded.Reader, _abandon.Token), CancellationToken.None, TaskCreationOptions.None, writerThread).Unwrap();
        var quarantineLoop = Task.Run(() => quarantine.RunAsync(_abandon.Token), CancellationToken.None);
        // The spill is durable, so its drain stops as soon as ingest does; what it has not stored waits for the next run.
        var drainLoop = Task.Run(() => drainer.RunAsync(stoppingToken), CancellationToken.None);

        var connection = connections.Create(settings.ClientId, receiveMaximum: (ushort)settings.InFlightMessages);
        try
        {
            // Handlers are registered before connecting: a resumed session delivers its queued messages right
            // after the CONNACK, and a message arriving with no handler registered would be acknowledged and lost.
            var subscriptions = IngestedStreams
                .Select(stream => connection.SubscribeManuallyAcknowledgedAsync(Subscription(settings, stream), (delivery, ct) => OnMessageAsync(received.Writer, delivery, ct), stoppingToken))
                .ToList();
            await connection.ConnectAsync(stoppingToken);
            await Task.WhenAll(subscriptions);

            _subscribed.TrySetResult();
            logger.LogInformation("ingest {ClientId} subscribed to {Streams} of every device{Shared}", settings.ClientId, string.Join(", ", IngestedStreams),
                settings.SharedSubscriptionGroup.Length == 0 ? "" : $", sharing them in group {settings.SharedSubscriptionGroup}");
            await SuperviseAsync([("decode", decodeLoop), ("write", writeLoop), ("quarantine", quarantineLoop), ("spill drain", drainLoop)], stoppingToken);
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
                await Task.WhenAll(decodeLoop, writeLoop, drainLoop);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                // Both stages refuse into the quarantine, so it finishes after them.
                quarantine.Complete();
            }

            try
            {
                await quarantineLoop;
            }
            catch (OperationCanceledException)
            {
            }

            logger.LogInformation("ingest {ClientId} stopped; {Unhandled} messages left unacknowledged for redelivery", settings.ClientId, unacknowledged.Count);
        }
    }

    /// <summary>
    /// Waits until ingest is stopped, watching its loops meanwhile. A loop that ends on its own (a bug, a disk that
    /// vanished) would leave ingest subscribed but storing nothing, a silent stall: instead the failure is logged as
    /// critical and thrown, which stops the host with a non-zero exit code so that its supervisor (systemd, Kubernetes)
    /// restarts it. Nothing is lost: unacknowledged messages stay with the broker, and the spill is durable.
    /// </summary>
    private async Task SuperviseAsync(IReadOnlyList<(string Name, Task Loop)> loops, CancellationToken stoppingToken)
    {
        var stopped = Task.Delay(Timeout.Infinite, stoppingToken);
        var ended = await Task.WhenAny([stopped, .. loops.Select(l => l.Loop)]);

        // Stopping ends the spill drain too (it follows the stopping token), possibly before the delay notices: a loop
        // that ended because ingest is stopping is the normal way out, not a failure.
        stoppingToken.ThrowIfCancellationRequested();

        var (name, loop) = loops.First(l => l.Loop == ended);
        var cause = loop.Exception?.InnerException;
        logger.LogCritical(cause, "ingest's {Loop} loop stopped while ingest was running ({Cause}); stopping ingest so that it is restarted",
            name, cause?.Message ?? "it returned");
        Environment.ExitCode = 1;
        throw new InvalidOperationException($"ingest's {name} loop stopped: {cause?.Message ?? "it returned"}", cause);
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

    private static string Subscription(IngestOptions settings, string stream) =>
        settings.SharedSubscriptionGroup.Length == 0
            ? Topics.AllDevices(stream)
            : Topics.Shared(settings.SharedSubscriptionGroup, Topics.AllDevices(stream));

    private async Task OnMessageAsync(ChannelWriter<ReceivedMessage> queue, MqttDelivery delivery, CancellationToken cancellationToken)
    {
        var incoming = delivery.Message;
        telemetry.Received(Topics.TryParseTelemetryTopic(incoming.Topic, out _, out _, out var stream) ? stream : null);
        // The acknowledgement never throws for a lost connection (the broker then redelivers); it is not awaited
        // so that the writer acknowledges a whole batch without waiting on the socket for each message.
        var message = new ReceivedMessage(incoming.Topic, incoming.Payload, time.GetUtcNow(), unacknowledged,
            () => _ = delivery.AcknowledgeAsync(CancellationToken.None));
        try
        {
            await queue.WriteAsync(message, cancellationToken);
        }
        catch
        {
            message.Abandon();
            throw;
        }
    }
}
