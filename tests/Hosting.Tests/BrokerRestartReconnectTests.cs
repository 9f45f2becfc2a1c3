using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// Connections through outages of mosquitto, which keeps persistent sessions on disk across its restarts: a lost link is
/// reconnected with no call waiting on the connection, and a publish cut off with its acknowledgement outstanding is
/// published again until the broker acknowledges it.
/// </summary>
public sealed class BrokerRestartReconnectTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Topic = "outage/data";

    private readonly ILoggerFactory _logs = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly Channel<byte> _received = Channel.CreateUnbounded<byte>();
    private readonly List<MqttConnection> _connections = [];
    private MosquittoBroker _broker = null!;
    private MqttConnection _subscriber = null!;

    public async Task InitializeAsync()
    {
        _broker = await MosquittoBroker.StartAsync();
        _subscriber = await ConnectAsync("subscriber", _broker.Port);
        await _subscriber.SubscribeAsync(Topic, (m, ct) => _received.Writer.WriteAsync(m.Payload[0], ct).AsTask(), Cancel());
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }

        await _broker.DisposeAsync();
    }

    [Fact]
    public async Task BrokerRestarted_TheLostLinkIsReconnectedWithNoCallWaiting_AndTheResumedSessionStillDelivers()
    {
        var publisher = await ConnectAsync("publisher", _broker.Port);

        await _broker.StopAsync();
        await Eventually.TrueAsync(() => !_subscriber.IsConnected && !publisher.IsConnected, Patience, "both connections notice the broker is gone");
        await _broker.RestartAsync(Cancel());

        // Nothing is published or subscribed meanwhile: the lost link alone brings both connections back.
        await Eventually.TrueAsync(() => _subscriber.IsConnected && publisher.IsConnected, Patience, "both connections are back on their own");
        await publisher.PublishAsync(Topic, new byte[] { 7 }, retain: false, Cancel());
        Assert.Equal(7, await _received.Reader.ReadAsync(Cancel()));
    }

    [Fact]
    public async Task Publish_CutOffWithItsAcknowledgementOutstanding_IsPublishedAgainAfterTheReconnect()
    {
        await using var relay = new TcpRelay(_broker.Port);
        var publisher = await ConnectAsync("publisher", relay.Port);

        relay.BlackHole();
        var publishing = publisher.PublishAsync(Topic, new byte[] { 9 }, retain: false, Cancel());
        Assert.False(publishing.IsCompleted, "no acknowledgement crosses a black hole");
        relay.ResetAll();
        relay.Restore();

        await publishing;
        Assert.Equal(9, await _received.Reader.ReadAsync(Cancel()));
    }

    private async Task<MqttConnection> ConnectAsync(string name, int port)
    {
        // A short keep-alive, so that a connect attempt caught by the black hole gives up in 2 s rather than 10.
        var broker = new BrokerOptions { Host = _broker.Host, Port = port, ReconnectMaxDelay = TimeSpan.FromSeconds(0.5), KeepAlive = TimeSpan.FromSeconds(1) };
        var connection = new MqttConnectionFactory(broker, _logs).Create($"{name}-{Guid.NewGuid():N}");
        _connections.Add(connection);
        await connection.ConnectAsync(Cancel());
        return connection;
    }

    private static CancellationToken Cancel() => new CancellationTokenSource(Patience).Token;
}
