using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;
using Pipeline.TestSupport;

namespace Pipeline.Ingest.Tests;

public sealed class MosquittoBrokerTests
{
    [Fact]
    public async Task Restart_OnTheSamePortAndData_KeepsPersistedRetainedMessages()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using (var publisher = new MqttConnectionFactory(broker.ToOptions(), NullLoggerFactory.Instance).Create("retainer"))
        {
            await publisher.ConnectAsync(CancellationToken.None);
            await publisher.PublishAsync("pipeline/test/retained", "kept"u8.ToArray(), retain: true, CancellationToken.None);
        }

        await broker.StopAsync();
        Assert.False(broker.IsRunning);
        await broker.RestartAsync();

        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscriber = new MqttConnectionFactory(broker.ToOptions(), NullLoggerFactory.Instance).Create("reader");
        var subscribed = subscriber.SubscribeAsync("pipeline/test/#", (message, _) =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(message.Payload));
            return Task.CompletedTask;
        }, CancellationToken.None);
        await subscriber.ConnectAsync(CancellationToken.None);
        await subscribed;

        Assert.Equal("kept", await received.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void AMissingServerBinary_FailsLoudlyWithTheInstallAdvice()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ServerProcess(
            "no-such-server-binary", "/nonexistent", "no-such-server-binary not found: install it", [],
            _ => Task.FromResult(true), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        Assert.Equal("no-such-server-binary not found: install it", error.Message);
    }
}
