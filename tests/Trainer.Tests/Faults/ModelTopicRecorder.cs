using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Protocol;
using Pipeline.TestSupport;

namespace Pipeline.Trainer.Tests.Faults;

/// <summary>
/// A real subscriber to one task's model topics that keeps every manifest and artifact chunk the broker delivers
/// (retained ones on subscribing, then live ones), and lets a test act on an arrival from the receive path itself.
/// </summary>
internal sealed class ModelTopicRecorder : IAsyncDisposable
{
    private readonly MqttConnection _connection;
    private readonly string _task;
    private readonly ConcurrentQueue<ModelManifest> _manifests = new();
    private readonly ConcurrentDictionary<(int Version, int Index), byte[]> _chunks = new();
    private readonly ConcurrentDictionary<int, bool> _versionsSeen = new();
    private readonly ConcurrentQueue<string> _refused = new();

    private ModelTopicRecorder(MqttConnection connection, string task)
    {
        _connection = connection;
        _task = task;
    }

    /// <summary>Raised on the receive path for a version's first artifact chunk, with its version, before the next message is taken.</summary>
    public event Action<int>? ArtifactArrived;

    public IReadOnlyList<ModelManifest> Manifests => [.. _manifests];

    /// <summary>Every artifact delivered whole, by the chunks a manifest lists: its version, SHA-256 and size.</summary>
    public IReadOnlyList<(int Version, string Sha256, int Size)> Artifacts =>
        [.. Manifests.Where(m => m.Chunks is not null).DistinctBy(m => m.Version).Select(Assemble).OfType<(int, string, int)>()];

    /// <summary>Manifests that did not decode: a trainer never publishes one, so any is a failure.</summary>
    public IReadOnlyList<string> Refused => [.. _refused];

    public static async Task<ModelTopicRecorder> StartAsync(MosquittoBroker broker, string task, ILogger logger)
    {
        var connection = new MqttConnectionFactory(broker.ToOptions(), new SingleLoggerFactory(logger)).Create($"model-recorder-{Guid.NewGuid():N}");
        var recorder = new ModelTopicRecorder(connection, task);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await connection.ConnectAsync(timeout.Token);
        foreach (var filter in new[] { Topics.ModelManifest(task), $"{Topics.Root}/models/{task}/artifacts/+/+" })
        {
            await connection.SubscribeAsync(filter, (message, _) =>
            {
                recorder.Keep(message);
                return Task.CompletedTask;
            }, timeout.Token);
        }

        return recorder;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Keep(MqttIncomingMessage message)
    {
        if (message.Topic == Topics.ModelManifest(_task))
        {
            var decoded = ControlMessageCodec.DecodeModelManifest(message.Payload);
            if (decoded.IsSuccess)
            {
                _manifests.Enqueue(decoded.Value);
            }
            else
            {
                _refused.Enqueue($"{message.Topic}: {decoded.Error.Message}");
            }

            return;
        }

        var parts = message.Topic.Split('/');
        if (int.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && message.Topic == Topics.ModelArtifactChunk(_task, version, index))
        {
            if (message.Payload.Length == 0)
            {
                _chunks.TryRemove((version, index), out _);
                return;
            }

            _chunks[(version, index)] = message.Payload;
            if (_versionsSeen.TryAdd(version, true))
            {
                ArtifactArrived?.Invoke(version);
            }
        }
    }

    private (int Version, string Sha256, int Size)? Assemble(ModelManifest manifest)
    {
        var artifact = new List<byte>();
        for (var index = 0; index < manifest.Chunks!.Count; index++)
        {
            if (!_chunks.TryGetValue((manifest.Version, index), out var chunk))
            {
                return null;
            }

            artifact.AddRange(chunk);
        }

        return (manifest.Version, ModelArtifacts.Sha256Hex(artifact.ToArray()), artifact.Count);
    }
}
