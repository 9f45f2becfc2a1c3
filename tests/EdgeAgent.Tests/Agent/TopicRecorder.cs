using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.EdgeAgent.Tests.Agent;

/// <summary>A real MQTT subscriber that keeps every message it receives, in arrival order.</summary>
internal sealed class TopicRecorder : IAsyncDisposable
{
    private readonly MqttConnection _connection;
    private readonly ConcurrentQueue<MqttIncomingMessage> _messages = new();

    private TopicRecorder(MqttConnection connection)
    {
        _connection = connection;
    }

    public IReadOnlyList<MqttIncomingMessage> Messages => [.. _messages];

    public IReadOnlyList<MqttIncomingMessage> On(string topic) => [.. _messages.Where(m => m.Topic == topic)];

    public static Task<TopicRecorder> StartAsync(BrokerOptions broker, ILogger logger, params string[] filters) =>
        StartAsync(broker, $"recorder-{Guid.NewGuid():N}", logger, sessionExpiry: TimeSpan.Zero, filters);

    /// <summary>A recorder whose broker session outlives its connection, so what is published while it is away (or the broker restarts) still reaches it.</summary>
    public static Task<TopicRecorder> StartPersistentAsync(BrokerOptions broker, ILogger logger, params string[] filters) =>
        StartAsync(broker, $"recorder-{Guid.NewGuid():N}", logger, sessionExpiry: TimeSpan.FromHours(1), filters);

    /// <summary>A recorder that connects as the identity <paramref name="clientId"/>, for a broker that admits identities only.</summary>
    public static Task<TopicRecorder> StartAsIdentityAsync(BrokerOptions broker, string clientId, ILogger logger, params string[] filters) =>
        StartAsync(broker, clientId, logger, sessionExpiry: TimeSpan.Zero, filters);

    private static async Task<TopicRecorder> StartAsync(BrokerOptions broker, string clientId, ILogger logger, TimeSpan sessionExpiry, string[] filters)
    {
        // The broker's transport and credentials as given; only the session's lifetime is the recorder's own.
        var options = new BrokerOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            CaCertificate = broker.CaCertificate,
            CredentialsFolder = broker.CredentialsFolder,
            SessionExpiry = sessionExpiry,
        };
        var connection = new MqttConnectionFactory(options, new SingleLoggerFactory(logger)).Create(clientId);
        var recorder = new TopicRecorder(connection);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await connection.ConnectAsync(timeout.Token);
        foreach (var filter in filters)
        {
            await connection.SubscribeAsync(filter, (message, _) =>
            {
                recorder._messages.Enqueue(message);
                return Task.CompletedTask;
            }, timeout.Token);
        }

        return recorder;
    }

    public Task PublishAsync(string topic, byte[] payload, bool retain)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return _connection.PublishAsync(topic, payload, retain, timeout.Token);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
