using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Hosting.Tests;

public sealed class ReconnectTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Connect_BeforeTheBrokerExists_RetriesWithBackoffAndConnectsOnceItListens()
    {
        var port = EmbeddedBroker.FreeLoopbackPort();
        var log = new RecordingLogger();
        await using var connection = new MqttConnectionFactory(new BrokerOptions { Port = port, ReconnectMaxDelay = TimeSpan.FromSeconds(0.5) }, new SingleLoggerFactory(log)).Create("reconnect-late-broker");
        using var cancel = new CancellationTokenSource(Patience);

        var connecting = connection.ConnectAsync(cancel.Token);
        await Eventually.TrueAsync(() => log.Messages.Any(m => m.Contains($"cannot reach 127.0.0.1:{port}")), Patience, "the first failed attempt is reported");
        Assert.False(connecting.IsCompleted);

        await using var broker = await EmbeddedBroker.StartAsync(port, NullLogger.Instance, cancel.Token);
        var waited = Stopwatch.StartNew();
        await connecting;

        Assert.True(connection.IsConnected);
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), $"connected {waited.Elapsed.TotalSeconds:0.0} s after the broker started; the backoff is capped at 0.5 s");
        Assert.Single(log.Messages, m => m.Contains("cannot reach"));
    }

    [Fact]
    public async Task BrokerGone_ReconnectsWhenItReturns_AndPublishesAgain()
    {
        var port = EmbeddedBroker.FreeLoopbackPort();
        using var cancel = new CancellationTokenSource(Patience);
        var broker = await EmbeddedBroker.StartAsync(port, NullLogger.Instance, cancel.Token);
        await using var connection = new MqttConnectionFactory(new BrokerOptions { Port = port, ReconnectMaxDelay = TimeSpan.FromSeconds(0.5) }, NullLoggerFactory.Instance).Create("reconnect-broker-back");
        await connection.ConnectAsync(cancel.Token);

        await broker.DisposeAsync();
        await Eventually.TrueAsync(() => !connection.IsConnected, Patience, "the connection notices the broker is gone");
        await using var returned = await EmbeddedBroker.StartAsync(port, NullLogger.Instance, cancel.Token);

        await connection.PublishAsync("reconnect/x", new byte[] { 1 }, retain: false, cancel.Token);
        Assert.True(connection.IsConnected);
    }
}
