using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.EdgeAgent.ModelUpdates;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;

namespace Pipeline.Bench.Rollout;

/// <summary>
/// One simulated device of the rollout: its own MQTT connection, following the task's manifest and fetching each new
/// version as the agent does (<see cref="ChunkedArtifactDownload"/> over <see cref="MqttChunkSource"/>, chunks kept
/// on disk), then checking the whole artifact's SHA-256. It stops short of loading the model: a
/// hundred TorchSharp loads on this machine would measure the CPU, not the delivery.
/// </summary>
internal sealed class RolloutDevice : IAsyncDisposable
{
    private readonly MqttConnection _connection;
    private readonly ChunkedArtifactDownload _download;
    private readonly string _dataFolder;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource<long> _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _wanted;

    private RolloutDevice(MqttConnection connection, string dataFolder, int chunksInFlight)
    {
        _connection = connection;
        _dataFolder = dataFolder;
        _download = new ChunkedArtifactDownload(new MqttChunkSource(connection), TimeProvider.System, NullLogger.Instance) { ChunksInFlight = chunksInFlight };
    }

    public static async Task<RolloutDevice> ConnectAsync(BrokerOptions broker, string name, string dataFolder, string task, int chunksInFlight)
    {
        var device = new RolloutDevice(new MqttConnectionFactory(broker, NullLoggerFactory.Instance).Create(name), dataFolder, chunksInFlight);
        await device._connection.ConnectAsync(CancellationToken.None);
        await device._connection.SubscribeAsync(Topics.ModelManifest(task), (message, _) =>
        {
            // Off the receive path, as the agent's updater is: the chunks arrive on the same connection.
            var payload = message.Payload;
            device.Start(() => device.HandleAsync(payload));
            return Task.CompletedTask;
        }, CancellationToken.None);
        return device;
    }

    /// <summary>Completes with the timestamp (<see cref="TimeProvider.GetTimestamp"/>) at which the device held <paramref name="version"/>, verified.</summary>
    public Task<long> HoldsAsync(int version)
    {
        var held = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _held, held);
        Volatile.Write(ref _wanted, version);
        return held.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _connection.DisposeAsync();
        _stop.Dispose();
    }

    private void Start(Func<Task> handle) => _ = Task.Run(handle, CancellationToken.None);

    private async Task HandleAsync(byte[] payload)
    {
        var held = Volatile.Read(ref _held);
        try
        {
            var manifest = ControlMessageCodec.DecodeModelManifest(payload).Value ?? throw new InvalidDataException("the manifest does not decode");
            if (manifest.Version != Volatile.Read(ref _wanted))
            {
                return;
            }

            var (artifact, refusal) = await _download.RunAsync(manifest, _dataFolder, _stop.Token);
            if (artifact is null || ArtifactChunks.Sha256Hex(artifact) != manifest.Sha256)
            {
                throw new InvalidDataException(refusal ?? "the artifact's SHA-256 does not match");
            }

            PartialModelDownload.DeleteAll(_dataFolder);
            held.TrySetResult(TimeProvider.System.GetTimestamp());
        }
        catch (Exception e)
        {
            held.TrySetException(e);
        }
    }
}
