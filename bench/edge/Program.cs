using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Bench.Edge;
using Pipeline.EdgeAgent.Outbox;
using Pipeline.Simulation.Golf;
using Pipeline.Hosting.Mqtt;
using Pipeline.Models;
using Pipeline.Models.Architecture;
using Pipeline.Protocol;
using Pipeline.Tasks.Swing;

// bench/run.sh edge [windows] [messages] [repetitions] [in-flight]: per-window swing inference latency, then the agent's
// publish throughput through its on-disk outbox (group-committed, [in-flight] publishes at once, default the agent's
// Agent:OutboxInFlight default) to mosquitto beside mosquitto_pub publishing the same payloads at QoS 1.
var windows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500;
var messages = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10000;
var repetitions = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
var inFlight = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : OutboxPublisher.DefaultInFlight;

var (p50, p99) = MeasureInference(windows);
Console.WriteLine($"inference: {windows} swing-cnn windows (windowing + preprocessing + predict), p50 {p50:F3} ms, p99 {p99:F3} ms");

var work = Directory.CreateTempSubdirectory("edge-bench-");
var port = FreePort();
using var mosquitto = StartMosquitto(work.FullName, port);
try
{
    var payload = MotionBatchCodec.Encode(SampleBatch());
    var payloadFile = Path.Combine(work.FullName, "payload.bin");
    await File.WriteAllBytesAsync(payloadFile, payload);
    var topic = Topics.Motion(Topics.DefaultSite, "bench-club");
    Console.WriteLine($"agent: one process, one MQTT 5 connection (MQTTnet through MqttConnection); {messages} appends to a new on-disk outbox " +
        $"(group-committed fsync before publishing), published at QoS 1 with up to {inFlight} in flight, each removed after its PUBACK; " +
        "timed from the first append until the outbox is empty (polled every millisecond)");
    Console.WriteLine($"mosquitto_pub: one process for all {messages} messages (-f payload --repeat {messages}, -V 5, QoS 1); it sends the " +
        "next only after the previous PUBACK (one in flight); timed from process start to exit, so its connect and disconnect count");
    Console.WriteLine($"both: the same {payload.Length}-byte motion batch payload to {topic}, the same mosquitto (persistence off, no subscriber), " +
        "one unmeasured warm-up round each, then repetitions interleaved");
    await AgentPublishRateAsync(work.FullName, port, topic, payload, messages, inFlight, -1);
    MosquittoPubRate(port, topic, payloadFile, messages);
    Console.WriteLine("CPU µs/msg: the publisher's own processor time (user + system, all threads) per message, the broker's not included; " +
        "less disturbed by other load on the machine than the rates");
    var ours = new List<double>();
    var raw = new List<double>();
    var oursCpu = new List<double>();
    var rawCpu = new List<double>();
    for (var r = 0; r < repetitions; r++)
    {
        // Interleaved so drift in the machine's load touches both alike.
        var (agentRate, agentCpu, appendShare) = await AgentPublishRateAsync(work.FullName, port, topic, payload, messages, inFlight, r);
        var (pubRate, pubCpu) = MosquittoPubRate(port, topic, payloadFile, messages);
        ours.Add(agentRate);
        raw.Add(pubRate);
        oursCpu.Add(agentCpu);
        rawCpu.Add(pubCpu);
        Console.WriteLine($"repetition {r + 1}: agent (outbox, {inFlight} in flight) {agentRate:F0} msg/s, {agentCpu:F1} CPU µs/msg, appending all took the first {appendShare:P0} of its time; " +
            $"mosquitto_pub {pubRate:F0} msg/s, {pubCpu:F1} CPU µs/msg ({payload.Length}-byte payloads, QoS 1, {messages} messages)");
    }

    await PublishBreakdown.RunAsync(work.FullName, port, topic, payload, messages, inFlight, repetitions);
    var c = Median(ours);
    var d = Median(raw);
    Console.WriteLine($"publish: agent median {c:F0} msg/s ({Median(oursCpu):F1} CPU µs/msg), mosquitto_pub median {d:F0} msg/s ({Median(rawCpu):F1} CPU µs/msg), ratio {c / d:F3}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"bench\":\"edge\",\"inference_p50_ms\":{p50:F3},\"inference_p99_ms\":{p99:F3},\"publish_msgs_per_s\":{c:F0},\"raw_msgs_per_s\":{d:F0},\"ratio\":{c / d:F3},\"messages\":{messages},\"in_flight\":{inFlight},\"repetitions\":{repetitions}}}"));
}
finally
{
    mosquitto.Kill();
    mosquitto.WaitForExit();
    work.Delete(recursive: true);
}

return 0;

static (double P50, double P99) MeasureInference(int windows)
{
    var simulator = new GolfClubSimulator(seed: 11);
    using var blocks = ModelCatalog.Create(ModelCatalog.SwingCnn, GolfClubSimulator.ClassNames.Count, seed: 1);
    var artifact = ModelArtifacts.Save(blocks);
    var manifest = new ModelManifest(LearningTasks.Swing, 1, ModelCatalog.SwingCnn, 1, Topics.ModelArtifact(LearningTasks.Swing, 1), artifact.Length,
        ModelArtifacts.Sha256Hex(artifact), [.. blocks.InputShape], [.. GolfClubSimulator.ClassNames], new ModelMetrics(0, 0, 0), "bench");
    using var model = ModelArtifacts.Load(artifact, manifest);
    var sessions = Enumerable.Range(0, Math.Min(windows, 100)).Select(_ => simulator.NextSession().Samples).ToList();
    var latencies = new List<double>(windows);
    for (var i = -20; i < windows; i++)
    {
        var samples = sessions[(i + 20) % sessions.Count];
        var started = Stopwatch.GetTimestamp();
        var start = SwingWindowing.FindWindowStart(samples);
        var input = SwingWindowing.ToModelInput(samples.AsSpan(start * MotionChannels.Count, SwingWindowing.WindowSamples * MotionChannels.Count));
        model.Predict(input, 0);
        if (i >= 0)
        {
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    latencies.Sort();
    return (Quantile(latencies, 0.5), Quantile(latencies, 0.99));
}

static async Task<(double Rate, double CpuMicrosPerMessage, double AppendShare)> AgentPublishRateAsync(string work, int port, string topic, byte[] payload, int messages, int inFlight, int repetition)
{
    var folder = Path.Combine(work, $"outbox-{repetition + 1}");
    using var outbox = DiskOutbox.Open(folder, 1L << 30, NullLogger.Instance);
    await using var connection = new MqttConnectionFactory(new BrokerOptions { Host = "127.0.0.1", Port = port, SessionExpiry = TimeSpan.Zero }, NullLoggerFactory.Instance).Create($"bench-agent-{repetition + 1}");
    using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    await connection.ConnectAsync(timeout.Token);
    using var stop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
    var publisher = new OutboxPublisher(outbox, connection, inFlight);
    var publishing = Task.Run(() => publisher.RunAsync(stop.Token), CancellationToken.None);
    var cpu = CpuTime();
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < messages; i++)
    {
        outbox.Append(topic, payload, new StreamCheckpoint(1, (ulong)i + 1, 0, i + 1), endsSession: false);
    }

    var appended = Stopwatch.GetElapsedTime(started);
    while (outbox.Depth > 0)
    {
        timeout.Token.ThrowIfCancellationRequested();
        await Task.Delay(1, timeout.Token);
    }

    var elapsed = Stopwatch.GetElapsedTime(started);
    var rate = messages / elapsed.TotalSeconds;
    var cpuPerMessage = (CpuTime() - cpu).TotalMicroseconds / messages;
    await stop.CancelAsync();
    await publishing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    return (rate, cpuPerMessage, appended / elapsed);
}

static (double Rate, double CpuMicrosPerMessage) MosquittoPubRate(int port, string topic, string payloadFile, int messages)
{
    var cpu = ChildProcessorTime.Total();
    var started = Stopwatch.GetTimestamp();
    using var pub = Process.Start(new ProcessStartInfo("mosquitto_pub",
        ["-V", "5", "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-q", "1", "-t", topic, "-f", payloadFile, "--repeat", messages.ToString(CultureInfo.InvariantCulture)])
    { RedirectStandardError = true })!;
    pub.WaitForExit();
    if (pub.ExitCode != 0)
    {
        throw new InvalidOperationException($"mosquitto_pub failed ({pub.ExitCode}): {pub.StandardError.ReadToEnd()}");
    }

    return (messages / Stopwatch.GetElapsedTime(started).TotalSeconds, (ChildProcessorTime.Total() - cpu).TotalMicroseconds / messages);
}

static TimeSpan CpuTime()
{
    using var self = Process.GetCurrentProcess();
    return self.TotalProcessorTime;
}

static Process StartMosquitto(string work, int port)
{
    var config = Path.Combine(work, "mosquitto.conf");
    File.WriteAllText(config, $"listener {port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\nmax_inflight_messages 0\n" +
        (Environment.UserName == "root" ? "user root\n" : ""));
    var binary = File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
    var process = Process.Start(new ProcessStartInfo(binary, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
    var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
    while (Stopwatch.GetTimestamp() < deadline)
    {
        try
        {
            using var probe = new TcpClient("127.0.0.1", port);
            return process;
        }
        catch (SocketException)
        {
            Thread.Sleep(20);
        }
    }

    process.Kill();
    throw new InvalidOperationException($"mosquitto did not listen on port {port} within 10 s");
}

static MotionBatch SampleBatch()
{
    var samples = new GolfClubSimulator(seed: 5).NextSession().Samples.AsSpan(0, 50 * MotionChannels.Count).ToArray();
    return new MotionBatch("bench-club", 1, 0, 1_700_000_000_000_000, 500, samples);
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

static double Quantile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
