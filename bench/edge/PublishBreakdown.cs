using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Hosting.Mqtt;

namespace Pipeline.Bench.Edge;

/// <summary>
/// Where the agent's publish time goes: each part of the outbox-included path timed alone, with the same payloads and
/// window as the end-to-end measurement, so the slowest part names what bounds the whole.
/// </summary>
internal static class PublishBreakdown
{
    public static async Task RunAsync(string work, int port, string topic, byte[] payload, int messages, int inFlight, int repetitions)
    {
        var append = new List<double>();
        var fsync = new List<double>();
        var readBack = new List<double>();
        var acknowledge = new List<double>();
        var drain = new List<(double Rate, double Cpu)>();
        var connection = new List<(double Rate, double Cpu)>();
        var bare = new List<(double Rate, double Cpu)>();
        for (var r = 0; r < repetitions; r++)
        {
            var folder = Path.Combine(work, $"breakdown-{r}");
            using (var outbox = DiskOutbox.Open(folder, 1L << 30, NullLogger.Instance))
            {
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < messages; i++)
                {
                    outbox.Append(topic, payload, new StreamCheckpoint(1, (ulong)i + 1, 0, i + 1), endsSession: false);
                }

                append.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds / messages);
                started = Stopwatch.GetTimestamp();
                outbox.SyncToDisk();
                fsync.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                // Read back and acknowledged as the publisher does it, a window at a time, with no broker in between.
                long reading = 0, acknowledging = 0;
                while (outbox.Depth > 0)
                {
                    started = Stopwatch.GetTimestamp();
                    var taken = outbox.TakeDurable(inFlight);
                    reading += Stopwatch.GetTimestamp() - started;
                    started = Stopwatch.GetTimestamp();
                    outbox.Acknowledge(taken);
                    acknowledging += Stopwatch.GetTimestamp() - started;
                }

                readBack.Add(Stopwatch.GetElapsedTime(0, reading).TotalMicroseconds / messages);
                acknowledge.Add(Stopwatch.GetElapsedTime(0, acknowledging).TotalMicroseconds / messages);
            }

            Directory.Delete(folder, recursive: true);
            drain.Add(await DrainRateAsync(Path.Combine(work, $"breakdown-drain-{r}"), port, topic, payload, messages, inFlight, r));
            connection.Add(await ConnectionRateAsync(port, topic, payload, messages, inFlight, r));
            bare.Add(await BareMqttnetRateAsync(port, topic, payload, messages, inFlight, r));
        }

        Console.WriteLine($"breakdown (medians of {repetitions}, {messages} messages, {inFlight} in flight):");
        Console.WriteLine($"  outbox append (encode, CRC-32, write to the page cache): {Median(append):F2} µs/msg");
        Console.WriteLine($"  outbox fsync of all of them at once (group commit): {Median(fsync):F2} ms");
        Console.WriteLine($"  outbox read back (read, CRC check, decode), {inFlight} at a time: {Median(readBack):F2} µs/msg");
        Console.WriteLine($"  outbox acknowledge (bookkeeping, cursor saves), {inFlight} at a time: {Median(acknowledge):F2} µs/msg");
        Console.WriteLine($"  OutboxPublisher draining an outbox already appended and fsync'd, {inFlight} in flight: {Describe(drain)}");
        Console.WriteLine($"  MqttConnection.PublishAsync alone, no outbox, {inFlight} in flight: {Describe(connection)}");
        Console.WriteLine($"  bare MQTTnet IMqttClient.PublishAsync, {inFlight} in flight: {Describe(bare)}");
    }

    private static async Task<(double Rate, double Cpu)> DrainRateAsync(string folder, int port, string topic, byte[] payload, int messages, int inFlight, int repetition)
    {
        using var outbox = DiskOutbox.Open(folder, 1L << 30, NullLogger.Instance);
        for (var i = 0; i < messages; i++)
        {
            outbox.Append(topic, payload, new StreamCheckpoint(1, (ulong)i + 1, 0, i + 1), endsSession: false);
        }

        outbox.SyncToDisk();
        await using var connection = new MqttConnectionFactory(new BrokerOptions { Host = "127.0.0.1", Port = port, SessionExpiry = TimeSpan.Zero }, NullLoggerFactory.Instance).Create($"bench-drain-{repetition}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await connection.ConnectAsync(timeout.Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var cpu = ProcessorTime();
        var started = Stopwatch.GetTimestamp();
        var publishing = new OutboxPublisher(outbox, connection, inFlight).RunAsync(stop.Token);
        while (outbox.Depth > 0)
        {
            await Task.Delay(1, timeout.Token);
        }

        var measured = (messages / Stopwatch.GetElapsedTime(started).TotalSeconds, (ProcessorTime() - cpu).TotalMicroseconds / messages);
        await stop.CancelAsync();
        await publishing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return measured;
    }

    private static async Task<(double Rate, double Cpu)> ConnectionRateAsync(int port, string topic, byte[] payload, int messages, int inFlight, int repetition)
    {
        await using var connection = new MqttConnectionFactory(new BrokerOptions { Host = "127.0.0.1", Port = port, SessionExpiry = TimeSpan.Zero }, NullLoggerFactory.Instance).Create($"bench-connection-{repetition}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await connection.ConnectAsync(timeout.Token);
        return await WindowedRateAsync(messages, inFlight, () => connection.PublishAsync(topic, payload, retain: false, timeout.Token));
    }

    private static async Task<(double Rate, double Cpu)> BareMqttnetRateAsync(int port, string topic, byte[] payload, int messages, int inFlight, int repetition)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"bench-bare-{repetition}")
            .WithProtocolVersion(MqttProtocolVersion.V500).Build(), timeout.Token);
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        var rate = await WindowedRateAsync(messages, inFlight, () => client.PublishAsync(message, timeout.Token));
        await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token);
        return rate;
    }

    /// <summary>Keeps <paramref name="inFlight"/> publishes going, oldest awaited first, as the agent's window does.</summary>
    private static async Task<(double Rate, double Cpu)> WindowedRateAsync(int messages, int inFlight, Func<Task> publish)
    {
        var window = new Queue<Task>(inFlight);
        var cpu = ProcessorTime();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < messages; i++)
        {
            if (window.Count == inFlight)
            {
                await window.Dequeue();
            }

            window.Enqueue(publish());
        }

        await Task.WhenAll(window);
        return (messages / Stopwatch.GetElapsedTime(started).TotalSeconds, (ProcessorTime() - cpu).TotalMicroseconds / messages);
    }

    private static TimeSpan ProcessorTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static string Describe(List<(double Rate, double Cpu)> runs)
    {
        var rate = Median([.. runs.Select(r => r.Rate)]);
        return $"{rate:F0} msg/s ({1e6 / rate:F1} µs/msg wall, {Median([.. runs.Select(r => r.Cpu)]):F1} CPU µs/msg)";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
