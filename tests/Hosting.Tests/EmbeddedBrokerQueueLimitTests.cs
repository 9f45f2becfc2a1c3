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
/// The embedded broker never drops a QoS 1 message it acknowledged: a subscriber whose queue is full makes it refuse
/// further publishes to that subscriber's topics with "quota exceeded", which publishers see and retry.
/// </summary>
public sealed class EmbeddedBrokerQueueLimitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Limit = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ILoggerFactory _logs = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);
    private readonly string _subscriberId = $"durable-{Guid.NewGuid():N}";
    private EmbeddedBroker? _broker;

    public async Task InitializeAsync() =>
        _broker = await EmbeddedBroker.StartAsync(new EmbeddedBrokerSettings { MaxQueuedMessagesPerClient = Limit }, _logs.CreateLogger("broker"), CancellationToken.None);

    public async Task DisposeAsync() => await _broker!.DisposeAsync();

    [Fact]
    public async Task FullQueueOfAnAbsentSubscriber_RefusesFurtherPublishesWithQuotaExceeded_AndDropsNone()
    {
        await LeaveDurableSubscriptionAsync("q/data");
        using var publisher = await ConnectRawAsync("raw-publisher");

        var codes = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < Limit + 5; i++)
        {
            var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("q/data").WithPayload([(byte)i])
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            codes.Add(result.ReasonCode);
        }

        Assert.All(codes.Take(Limit), code => Assert.Equal(MqttClientPublishReasonCode.Success, code));
        Assert.All(codes.Skip(Limit), code => Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, code));
        var received = await ReturnAndReceiveAsync("q/data", Limit);
        Assert.Equal(Enumerable.Range(0, Limit).Select(i => (byte)i), received);
        Assert.Equal(0, _broker!.DroppedMessages);
    }

    [Fact]
    public async Task FullQueue_DoesNotHoldBackPublishesToOtherTopics()
    {
        await LeaveDurableSubscriptionAsync("q/data");
        using var publisher = await ConnectRawAsync("raw-publisher");
        for (var i = 0; i < Limit; i++)
        {
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("q/data").WithPayload([(byte)i])
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        var other = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("other/topic").WithPayload([1])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, other.ReasonCode);
    }

    [Fact]
    public async Task Publisher_WaitsThroughAFullQueue_AndEverythingArrivesInOrderOnceTheSubscriberReturns()
    {
        const int Total = Limit * 3;
        await LeaveDurableSubscriptionAsync("q/data");
        await using var publisher = new MqttConnectionFactory(_broker!.ToOptions(), _logs).Create("publisher");
        await publisher.ConnectAsync(CancellationToken.None);
        var published = 0;
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < Total; i++)
            {
                await publisher.PublishAsync("q/data", new[] { (byte)i }, retain: false, CancellationToken.None);
                Interlocked.Increment(ref published);
            }
        });

        await Eventually.TrueAsync(() => Volatile.Read(ref published) == Limit, Patience, $"the first {Limit} publishes acknowledged");
        Assert.False(publishing.IsCompleted, "the publisher went on past a full queue");

        var received = await ReturnAndReceiveAsync("q/data", Total);
        await publishing.WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, Total).Select(i => (byte)i), received);
        Assert.Equal(0, _broker.DroppedMessages);
    }

    [Fact]
    public async Task WaitForDelivery_HoldsUntilTheConnectedSubscriberAcknowledgedEverything()
    {
        var held = Channel.CreateUnbounded<MqttDelivery>();
        await using var subscriber = new MqttConnectionFactory(_broker!.ToOptions(), _logs).Create(_subscriberId);
        var subscribed = subscriber.SubscribeManuallyAcknowledgedAsync("q/data", (d, ct) => held.Writer.WriteAsync(d, ct).AsTask(), CancellationToken.None);
        await subscriber.ConnectAsync(CancellationToken.None);
        await subscribed;
        await using var publisher = new MqttConnectionFactory(_broker.ToOptions(), _logs).Create("publisher");
        await publisher.ConnectAsync(CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync("q/data", new[] { (byte)i }, retain: false, CancellationToken.None);
        }

        Assert.False(await _broker.WaitForDeliveryAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None), "delivered before any acknowledgement");

        using var timeout = new CancellationTokenSource(Patience);
        for (var i = 0; i < 5; i++)
        {
            await (await held.Reader.ReadAsync(timeout.Token)).AcknowledgeAsync(timeout.Token);
        }

        Assert.True(await _broker.WaitForDeliveryAsync(Patience, CancellationToken.None), "still undelivered after every acknowledgement");
    }

    private async Task LeaveDurableSubscriptionAsync(string filter)
    {
        await using var first = new MqttConnectionFactory(_broker!.ToOptions(), _logs).Create(_subscriberId);
        await first.ConnectAsync(CancellationToken.None);
        await first.SubscribeAsync(filter, (_, _) => Task.CompletedTask, CancellationToken.None);
    }

    private async Task<List<byte>> ReturnAndReceiveAsync(string filter, int count)
    {
        var received = Channel.CreateUnbounded<byte>();
        await using var second = new MqttConnectionFactory(_broker!.ToOptions(), _logs).Create(_subscriberId);
        var subscribed = second.SubscribeAsync(filter, (m, ct) => received.Writer.WriteAsync(m.Payload[0], ct).AsTask(), CancellationToken.None);
        await second.ConnectAsync(CancellationToken.None);
        await subscribed;
        var values = new List<byte>();
        using var timeout = new CancellationTokenSource(Patience);
        while (values.Count < count)
        {
            values.Add(await received.Reader.ReadAsync(timeout.Token));
        }

        return values;
    }

    private async Task<IMqttClient> ConnectRawAsync(string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_broker!.Host, _broker.Port).WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500).Build());
        return client;
    }
}
