using System.Diagnostics.Metrics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Health;
using Pipeline.Hosting.Mqtt;
using Pipeline.Hosting.Observability;
using Pipeline.TestSupport;
using Xunit.Abstractions;

namespace Pipeline.Hosting.Tests;

/// <summary>What every component relies on from <see cref="MqttConnection"/>, against each real broker.</summary>
public abstract class MqttConnectionContract(ITestOutputHelper output) : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly List<MqttConnection> _connections = [];

    protected ILoggerFactory Logs { get; } = TestOutputLoggerProvider.CreateFactory(output, LogLevel.Information);

    protected abstract BrokerOptions Broker { get; }

    public abstract Task InitializeAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Publish_ReachesASubscriber_WithPayloadIntact()
    {
        var received = Channel.CreateBounded<MqttIncomingMessage>(10);
        var subscriber = await ConnectAsync("sub");
        await subscriber.SubscribeAsync("t/+/x", (m, ct) => received.Writer.WriteAsync(m, ct).AsTask(), Cancel());
        var publisher = await ConnectAsync("pub");

        await publisher.PublishAsync("t/1/x", Encoding.UTF8.GetBytes("hello"), retain: false, Cancel());

        var message = await received.Reader.ReadAsync(Cancel());
        Assert.Equal("t/1/x", message.Topic);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Payload));
        Assert.False(message.Retain);
    }

    [Fact]
    public async Task Filters_DeliverExactlyTheTopicsTheyMatch_WhateverTheirLastLevel()
    {
        var received = Channel.CreateUnbounded<string>();
        var subscriber = await ConnectAsync("sub");
        foreach (var filter in new[] { "f/+", "solo", "f/+/end", "g/#" })
        {
            await subscriber.SubscribeAsync(filter, (m, ct) => received.Writer.WriteAsync($"{filter} {m.Topic}", ct).AsTask(), Cancel());
        }

        var publisher = await ConnectAsync("pub");
        foreach (var topic in new[] { "f/1", "f/1/x", "xsolo", "solo", "f/2/end", "f/2/bend", "g", "g/1/end", "done/solo" })
        {
            await publisher.PublishAsync(topic, new byte[] { 1 }, retain: false, Cancel());
        }

        // Ordered on one connection: once the last matching topic is in, every earlier one has been delivered or never will be.
        await subscriber.SubscribeAsync("done/+", (m, ct) => received.Writer.WriteAsync($"done/+ {m.Topic}", ct).AsTask(), Cancel());
        await publisher.PublishAsync("done/x", new byte[] { 1 }, retain: false, Cancel());
        var seen = new List<string>();
        while (!seen.Contains("done/+ done/x"))
        {
            seen.Add(await received.Reader.ReadAsync(Cancel()));
        }

        Assert.Equal(["f/+ f/1", "f/+/end f/2/end", "g/# g", "g/# g/1/end", "solo solo"], seen.Where(e => e != "done/+ done/x").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReceivedPayloads_StayIntactWhileLaterMessagesArrive()
    {
        // The connection hands receivers MQTTnet's own payload arrays (no copy): were they ever reused for a later
        // message, the payloads a receiver still holds would change under it.
        const int count = 300;
        var received = Channel.CreateBounded<MqttIncomingMessage>(count);
        var subscriber = await ConnectAsync("sub");
        await subscriber.SubscribeAsync("p/+/x", (m, ct) => received.Writer.WriteAsync(m, ct).AsTask(), Cancel());
        var publisher = await ConnectAsync("pub");
        var payloads = Enumerable.Range(0, count).Select(i => Enumerable.Repeat((byte)i, 100 + i).ToArray()).ToList();

        foreach (var (payload, i) in payloads.Select((p, i) => (p, i)))
        {
            await publisher.PublishAsync($"p/{i}/x", payload, retain: false, Cancel());
        }

        await Eventually.TrueAsync(() => received.Reader.Count == count, Patience, () => $"{received.Reader.Count} of {count} received");
        var held = new List<MqttIncomingMessage>();
        while (received.Reader.TryRead(out var message))
        {
            held.Add(message);
        }

        Assert.Equal(payloads, held.OrderBy(m => int.Parse(m.Topic.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture)).Select(m => m.Payload));
        Assert.Equal(count, held.Select(m => m.Payload).Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public async Task ASubscription_IsUnconfirmedUntilTheBrokerGrantsIt_AndTheBrokerCheckIsNotReadyMeanwhile()
    {
        await using var metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new MqttTelemetry(metrics.GetRequiredService<IMeterFactory>());
        var factory = new MqttConnectionFactory(Broker, Logs, telemetry);
        var health = new BrokerHealthCheck(telemetry, factory);
        var connection = Track(factory.Create($"ready-{Guid.NewGuid():N}"));

        // Asked for before connecting, as components do so that a resumed session's first messages find their handler.
        var subscribed = connection.SubscribeAsync("ready/x", (_, _) => Task.CompletedTask, Cancel());
        Assert.Equal(["ready/x"], connection.UnconfirmedSubscriptions);
        Assert.Equal(HealthStatus.Unhealthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        await connection.ConnectAsync(Cancel());
        await subscribed;

        Assert.Empty(connection.UnconfirmedSubscriptions);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        await connection.UnsubscribeAsync("ready/x", Cancel());
        Assert.Empty(connection.UnconfirmedSubscriptions);
    }

    [Fact]
    public async Task Retained_IsDeliveredToALateSubscriber()
    {
        var publisher = await ConnectAsync("pub");
        await publisher.PublishAsync("r/state", "on"u8.ToArray(), retain: true, Cancel());
        var received = Channel.CreateBounded<MqttIncomingMessage>(10);
        var subscriber = await ConnectAsync("late");

        await subscriber.SubscribeAsync("r/state", (m, ct) => received.Writer.WriteAsync(m, ct).AsTask(), Cancel());

        var message = await received.Reader.ReadAsync(Cancel());
        Assert.True(message.Retain);
        Assert.Equal("on", Encoding.UTF8.GetString(message.Payload));
    }

    [Fact]
    public async Task PersistentSession_QueuesMessagesWhileTheSubscriberIsAway()
    {
        var clientId = $"durable-{Guid.NewGuid():N}";
        var first = Track(new MqttConnectionFactory(Broker, Logs).Create(clientId));
        await first.ConnectAsync(Cancel());
        await first.SubscribeAsync("q/data", (_, _) => Task.CompletedTask, Cancel());
        await first.DisposeAsync();
        _connections.Remove(first);

        var publisher = await ConnectAsync("pub");
        for (var i = 0; i < 5; i++)
        {
            await publisher.PublishAsync("q/data", new[] { (byte)i }, retain: false, Cancel());
        }

        var received = Channel.CreateBounded<byte>(10);
        var second = Track(new MqttConnectionFactory(Broker, Logs).Create(clientId));
        var subscribed = second.SubscribeAsync("q/data", (m, ct) => received.Writer.WriteAsync(m.Payload[0], ct).AsTask(), Cancel());
        await second.ConnectAsync(Cancel());
        await subscribed;

        var values = new List<byte>();
        while (values.Count < 5)
        {
            values.Add(await received.Reader.ReadAsync(Cancel()));
        }

        Assert.Equal([0, 1, 2, 3, 4], values);
    }

    [Fact]
    public async Task ManualAcknowledgement_UnacknowledgedMessagesAreRedeliveredAfterReconnect_AcknowledgedOnesAreNot()
    {
        var clientId = $"manual-{Guid.NewGuid():N}";
        var deliveries = Channel.CreateBounded<MqttDelivery>(10);
        var first = Track(new MqttConnectionFactory(Broker, Logs).Create(clientId));
        var subscribed = first.SubscribeManuallyAcknowledgedAsync("m/data", (d, ct) => deliveries.Writer.WriteAsync(d, ct).AsTask(), Cancel());
        await first.ConnectAsync(Cancel());
        await subscribed;
        var publisher = await ConnectAsync("pub");
        for (var i = 0; i < 4; i++)
        {
            await publisher.PublishAsync("m/data", new[] { (byte)i }, retain: false, Cancel());
        }

        for (var i = 0; i < 4; i++)
        {
            var delivery = await deliveries.Reader.ReadAsync(Cancel());
            if (delivery.Message.Payload[0] % 2 == 0)
            {
                await delivery.AcknowledgeAsync(Cancel());
            }
        }

        await first.DisposeAsync();
        _connections.Remove(first);

        var again = Channel.CreateBounded<MqttDelivery>(10);
        var second = Track(new MqttConnectionFactory(Broker, Logs).Create(clientId));
        subscribed = second.SubscribeManuallyAcknowledgedAsync("m/data", (d, ct) => again.Writer.WriteAsync(d, ct).AsTask(), Cancel());
        await second.ConnectAsync(Cancel());
        await subscribed;
        await publisher.PublishAsync("m/data", new byte[] { 9 }, retain: false, Cancel());

        var values = new List<byte>();
        while (!values.Contains(9))
        {
            var delivery = await again.Reader.ReadAsync(Cancel());
            values.Add(delivery.Message.Payload[0]);
            await delivery.AcknowledgeAsync(Cancel());
        }

        Assert.Equal([1, 3, 9], values);
    }

    [Fact]
    public async Task ManualAcknowledgement_KeepsDeliveringWhileEarlierMessagesAreUnacknowledged()
    {
        const int count = 200;
        var deliveries = Channel.CreateBounded<MqttDelivery>(count);
        var subscriber = Track(new MqttConnectionFactory(Broker, Logs).Create($"window-{Guid.NewGuid():N}", receiveMaximum: count));
        var subscribed = subscriber.SubscribeManuallyAcknowledgedAsync("w/data", (d, ct) => deliveries.Writer.WriteAsync(d, ct).AsTask(), Cancel());
        await subscriber.ConnectAsync(Cancel());
        await subscribed;
        var publisher = await ConnectAsync("pub");

        await Task.WhenAll(Enumerable.Range(0, count).Select(i => publisher.PublishAsync("w/data", BitConverter.GetBytes(i), retain: false, Cancel())));

        await Eventually.TrueAsync(() => deliveries.Reader.Count == count, Patience, $"all {count} messages in flight at once, none acknowledged");
    }

    [Fact]
    public async Task Unsubscribe_StopsDelivery()
    {
        var count = 0;
        var subscriber = await ConnectAsync("sub");
        await subscriber.SubscribeAsync("u/x", (_, _) => { Interlocked.Increment(ref count); return Task.CompletedTask; }, Cancel());
        var publisher = await ConnectAsync("pub");
        await publisher.PublishAsync("u/x", new byte[] { 1 }, retain: false, Cancel());
        await Eventually.TrueAsync(() => Volatile.Read(ref count) == 1, Patience, "the first message arrives");

        await subscriber.UnsubscribeAsync("u/x", Cancel());
        await publisher.PublishAsync("u/x", new byte[] { 2 }, retain: false, Cancel());
        var marker = Channel.CreateBounded<bool>(1);
        await subscriber.SubscribeAsync("u/marker", (_, ct) => marker.Writer.WriteAsync(true, ct).AsTask(), Cancel());
        await publisher.PublishAsync("u/marker", new byte[] { 3 }, retain: false, Cancel());
        await marker.Reader.ReadAsync(Cancel());

        Assert.Equal(1, Volatile.Read(ref count));
    }

    [Fact]
    public async Task HandlerFailure_DoesNotStopLaterMessages()
    {
        var received = Channel.CreateBounded<byte>(10);
        var subscriber = await ConnectAsync("sub");
        await subscriber.SubscribeAsync("h/x", async (m, ct) =>
        {
            if (m.Payload[0] == 0)
            {
                throw new InvalidOperationException("a handler bug");
            }

            await received.Writer.WriteAsync(m.Payload[0], ct);
        }, Cancel());
        var publisher = await ConnectAsync("pub");

        await publisher.PublishAsync("h/x", new byte[] { 0 }, retain: false, Cancel());
        await publisher.PublishAsync("h/x", new byte[] { 1 }, retain: false, Cancel());

        Assert.Equal(1, await received.Reader.ReadAsync(Cancel()));
    }

    [Fact]
    public async Task Publish_Cancelled_StopsPromptly()
    {
        var unreachable = new BrokerOptions { Host = "127.0.0.1", Port = EmbeddedBroker.FreeLoopbackPort() };
        var connection = Track(new MqttConnectionFactory(unreachable, Logs).Create("nobody"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.PublishAsync("x", new byte[] { 1 }, false, cancel.Token).WaitAsync(Patience));
    }

    [Fact]
    public async Task Publish_CancelledByTheCaller_KeepsTheConnectionAndDoesNotFireTheWill()
    {
        var seen = Channel.CreateBounded<string>(10);
        var watcher = await ConnectAsync("watcher");
        await watcher.SubscribeAsync("will/#", (m, ct) => seen.Writer.WriteAsync(m.Topic, ct).AsTask(), Cancel());
        var client = Track(new MqttConnectionFactory(Broker, Logs).Create($"willing-{Guid.NewGuid():N}", new MqttWill("will/gone", [0])));
        await client.ConnectAsync(Cancel());

        // The caller stops waiting at once; the publish itself runs on. It usually is still in flight then
        // (OperationCanceledException), but on a fast broker its PUBACK may already be in: either is right.
        try
        {
            await client.PublishAsync("will/data", new byte[] { 1 }, false, new CancellationToken(canceled: true));
        }
        catch (OperationCanceledException)
        {
        }

        await client.PublishAsync("will/marker", new byte[] { 2 }, false, Cancel());

        Assert.True(client.IsConnected);
        var topics = new List<string>();
        while (!topics.Contains("will/marker"))
        {
            topics.Add(await seen.Reader.ReadAsync(Cancel()));
        }

        Assert.DoesNotContain("will/gone", topics);
    }

    protected static CancellationToken Cancel() => new CancellationTokenSource(Patience).Token;

    protected async Task<MqttConnection> ConnectAsync(string name)
    {
        var connection = Track(new MqttConnectionFactory(Broker, Logs).Create($"{name}-{Guid.NewGuid():N}"));
        await connection.ConnectAsync(Cancel());
        return connection;
    }

    protected MqttConnection Track(MqttConnection connection)
    {
        _connections.Add(connection);
        return connection;
    }
}
