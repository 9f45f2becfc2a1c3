using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>
/// What the embedded broker remembers across its own restart: the topic filters of persistent sessions, so it holds
/// back (reason 0x97, which publishers retry) the non-retained publishes they would receive until they subscribe again.
/// </summary>
public sealed class EmbeddedBrokerRestartTests(ITestOutputHelper output) : IAsyncDisposable
{
    private readonly ILoggerFactory _logs = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly TemporaryFolder _state = new("broker-state");
    private readonly int _port = EmbeddedBroker.FreeLoopbackPort();
    private EmbeddedBroker? _broker;

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _logs.Dispose();
        _state.Dispose();
    }

    [Fact]
    public async Task AfterARestart_APublishForAnAbsentPersistentSubscriber_IsHeldBack_UntilItSubscribesAgain()
    {
        await StartAsync();
        await SubscribeAndLeaveAsync("ingest", cleanStart: false, "t/#");
        await RestartAsync();
        using var publisher = await ConnectAsync("device", cleanStart: true);

        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await PublishAsync(publisher, "other/data", retain: false)).ReasonCode);
        // A retained message reaches a returning subscriber anyway, when it subscribes.
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await PublishAsync(publisher, "t/model", retain: true)).ReasonCode);

        using var returned = await ConnectAsync("ingest", cleanStart: false);
        await returned.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("t/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
    }

    [Fact]
    public async Task ASubscriberThatLeftWithACleanOrNoSession_IsNotAwaited()
    {
        await StartAsync();
        await SubscribeAndLeaveAsync("monitor", cleanStart: true, "t/#", sessionExpirySeconds: 0);
        await RestartAsync();
        using var publisher = await ConnectAsync("device", cleanStart: true);

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
    }

    [Fact]
    public async Task ASubscriptionWhoseSessionExpiredMeanwhile_IsNotAwaited()
    {
        Directory.CreateDirectory(_state.Path);
        var longAgo = DateTimeOffset.UtcNow.AddDays(-8).ToUnixTimeSeconds();
        await File.WriteAllTextAsync(Path.Combine(_state.Path, "subscriptions.json"), JsonSerializer.Serialize(new[]
        {
            new { clientId = "gone", topicFilter = "t/#", sessionExpirySeconds = 7 * 24 * 3600, lastSeenUnixSeconds = longAgo },
        }));
        await StartAsync();
        using var publisher = await ConnectAsync("device", cleanStart: true);

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[{\"clientId\":null,\"topicFilter\":7}]")]
    [InlineData("[null, {\"clientId\":\"x\"}]")]
    public async Task AnUnreadableStateFile_DoesNotKeepTheBrokerFromStarting(string content)
    {
        Directory.CreateDirectory(_state.Path);
        await File.WriteAllTextAsync(Path.Combine(_state.Path, "subscriptions.json"), content);
        await StartAsync();
        using var publisher = await ConnectAsync("device", cleanStart: true);

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
    }

    [Fact]
    public async Task AStoppingBroker_RefusesNewPublishes_AndWaitsForItsSubscriberToAcknowledgeWhatItHolds()
    {
        await StartAsync();
        var held = Channel.CreateUnbounded<MqttDelivery>();
        await using var subscriber = new MqttConnectionFactory(_broker!.ToOptions(), _logs).Create("ingest");
        var subscribed = subscriber.SubscribeManuallyAcknowledgedAsync("t/#", (d, ct) => held.Writer.WriteAsync(d, ct).AsTask(), CancellationToken.None);
        await subscriber.ConnectAsync(CancellationToken.None);
        await subscribed;
        using var publisher = await ConnectAsync("device", cleanStart: true);
        Assert.Equal(MqttClientPublishReasonCode.Success, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var delivery = await held.Reader.ReadAsync(timeout.Token);

        var stopping = _broker.StopAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, (await PublishAsync(publisher, "t/data", retain: false)).ReasonCode);
        Assert.False(stopping.IsCompleted, "the broker stopped with a message its subscriber had not acknowledged");

        await delivery.AcknowledgeAsync(timeout.Token);
        Assert.True(await stopping.WaitAsync(timeout.Token), "the broker reported undelivered messages after the acknowledgement");
    }

    private async Task StartAsync() =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { Port = _port, StateFolder = _state.Path }, _logs.CreateLogger("broker"), CancellationToken.None);

    private async Task RestartAsync()
    {
        await _broker!.DisposeAsync();
        await StartAsync();
    }

    private async Task SubscribeAndLeaveAsync(string clientId, bool cleanStart, string filter, uint sessionExpirySeconds = 3600)
    {
        using var client = await ConnectAsync(clientId, cleanStart, sessionExpirySeconds);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(sessionExpirySeconds).Build());
    }

    private async Task<IMqttClient> ConnectAsync(string clientId, bool cleanStart, uint sessionExpirySeconds = 3600)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_broker!.Host, _broker.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart(cleanStart).WithSessionExpiryInterval(sessionExpirySeconds).Build());
        return client;
    }

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, bool retain) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload([1]).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
}
