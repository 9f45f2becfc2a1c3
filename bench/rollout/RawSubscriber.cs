using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Bench.Rollout;

/// <summary>The baseline's subscriber: its own MQTT connection on the raw topics, done once it has received the whole payload.</summary>
internal sealed class RawSubscriber : IAsyncDisposable
{
    private readonly MqttConnection _connection;
    private long _received;
    private long _expected;
    private TaskCompletionSource<long> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RawSubscriber(MqttConnection connection) => _connection = connection;

    public static async Task<RawSubscriber> ConnectAsync(BrokerOptions broker, string name, string filter)
    {
        var subscriber = new RawSubscriber(new MqttConnectionFactory(broker, NullLoggerFactory.Instance).Create(name));
        await subscriber._connection.ConnectAsync(CancellationToken.None);
        await subscriber._connection.SubscribeAsync(filter, (message, _) =>
        {
            if (Interlocked.Add(ref subscriber._received, message.Payload.Length) >= Volatile.Read(ref subscriber._expected))
            {
                Volatile.Read(ref subscriber._done).TrySetResult(TimeProvider.System.GetTimestamp());
            }

            return Task.CompletedTask;
        }, CancellationToken.None);
        return subscriber;
    }

    /// <summary>Starts a round: completes with the timestamp at which <paramref name="bytes"/> more bytes have arrived.</summary>
    public Task<long> ReceivesAsync(long bytes)
    {
        Volatile.Write(ref _done, new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Exchange(ref _received, 0);
        Volatile.Write(ref _expected, bytes);
        return Volatile.Read(ref _done).Task;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
