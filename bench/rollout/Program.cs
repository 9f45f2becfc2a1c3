using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Bench.Rollout;
using Pipeline.EdgeAgent.Agent;
using Pipeline.Hosting.Mqtt;
using Pipeline.Protocol;
using Pipeline.TestSupport;
using Pipeline.Trainer.Publishing;

// bench/run.sh rollout [devices] [model MB] [repetitions] [chunks in flight]: see run.sh.
var devices = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var modelMb = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var repetitions = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
var chunksInFlight = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : new EdgeAgentOptions().ModelFetchChunksInFlight;
const string task = LearningTasks.Swing;
const string rawFilter = "bench/raw/#";

await using var broker = await MosquittoBroker.StartAsync();
var options = broker.ToOptions();
using var work = new TemporaryFolder("rollout-bench");
var artifact = new byte[(int)(modelMb * 1024 * 1024)];
new Random(1).NextBytes(artifact);
var chunks = ArtifactChunks.Of(artifact, ArtifactChunks.DefaultChunkBytes);

Console.WriteLine($"mosquitto with {MosquittoBroker.ShippedConfiguration}; a {artifact.Length}-byte artifact in {chunks.Count} chunks of {chunks.ChunkBytes} bytes; {devices} devices, " +
    "each its own MQTT 5 connection in this process");
Console.WriteLine("rollout: from the start of ModelPublisher.PublishAsync (retained chunks, QoS 1, 8 in flight, then the signed manifest) until a device, " +
    $"having seen the manifest, fetched every chunk as the agent does (one subscription per chunk, {chunksInFlight} in flight, each chunk " +
    "SHA-256-checked and written to disk) and checked the whole artifact's SHA-256; not loaded");
Console.WriteLine($"raw: from the first publish until a subscriber has received the same {chunks.Count} payloads, published by one connection " +
    "as plain QoS 1 messages (8 in flight) to topics all subscribers follow; one warm-up round each, then repetitions interleaved");

await using var trainer = new MqttConnectionFactory(options, NullLoggerFactory.Instance).Create("rollout-trainer");
await trainer.ConnectAsync(CancellationToken.None);
using var signingFolder = new TemporaryFolder("rollout-key");
using var key = ModelSigningKey.Ensure(signingFolder.Combine("model-signing.key"), signingFolder.Combine("trusted"));
var publisher = new ModelPublisher(trainer, key);

var fleet = await Task.WhenAll(Enumerable.Range(0, devices).Select(i =>
    RolloutDevice.ConnectAsync(options, $"rollout-device-{i}", work.Combine($"device-{i}"), task, chunksInFlight)));
var subscribers = await Task.WhenAll(Enumerable.Range(0, devices).Select(i =>
    RawSubscriber.ConnectAsync(options, $"rollout-raw-{i}", rawFilter)));

var published = new List<ModelManifest>();
var rolloutP50 = new List<double>();
var rolloutP99 = new List<double>();
var rawP50 = new List<double>();
var rawP99 = new List<double>();
for (var round = 0; round <= repetitions; round++)
{
    var version = round + 1;
    var manifest = new ModelManifest(task, version, "swing-cnn", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000, Topics.ModelArtifact(task, version),
        artifact.Length, ArtifactChunks.Sha256Hex(artifact), [8, 512], ["a", "b"], new ModelMetrics(0.5, 0.5, 1), "pipelined");
    var held = fleet.Select(d => d.HoldsAsync(version)).ToArray();
    var start = TimeProvider.System.GetTimestamp();
    await publisher.PublishAsync(manifest, artifact, published.Count >= 2 ? published[^2] : null, CancellationToken.None);
    published.Add(manifest);
    var rollout = Latencies(start, await Task.WhenAll(held));

    var received = subscribers.Select(s => s.ReceivesAsync(artifact.Length)).ToArray();
    start = TimeProvider.System.GetTimestamp();
    await PublishRawAsync(trainer, chunks, artifact);
    var raw = Latencies(start, await Task.WhenAll(received));

    if (round == 0)
    {
        continue;
    }

    rolloutP50.Add(Percentile(rollout, 0.5));
    rolloutP99.Add(Percentile(rollout, 0.99));
    rawP50.Add(Percentile(raw, 0.5));
    rawP99.Add(Percentile(raw, 0.99));
    Console.WriteLine($"repetition {round}: rollout p50 {rolloutP50[^1]:F0} ms, p99 {rolloutP99[^1]:F0} ms; raw p50 {rawP50[^1]:F0} ms, p99 {rawP99[^1]:F0} ms; " +
        $"ratio p99 {rolloutP99[^1] / rawP99[^1]:F2}");
}

foreach (var device in fleet)
{
    await device.DisposeAsync();
}

foreach (var subscriber in subscribers)
{
    await subscriber.DisposeAsync();
}

var (p50, p99, rawMedianP50, rawMedianP99) = (Median(rolloutP50), Median(rolloutP99), Median(rawP50), Median(rawP99));
Console.WriteLine($"median of {repetitions}: rollout p50 {p50:F0} ms, p99 {p99:F0} ms; raw p50 {rawMedianP50:F0} ms, p99 {rawMedianP99:F0} ms; ratio p99 {p99 / rawMedianP99:F2} (target ≤ 1.5)");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"rollout\",\"devices\":{devices},\"model_mb\":{artifact.Length / 1048576.0:F2},\"chunks\":{chunks.Count},\"chunk_bytes\":{chunks.ChunkBytes},\"chunks_in_flight\":{chunksInFlight},\"repetitions\":{repetitions}," +
    $"\"p50_ms\":{p50:F0},\"p99_ms\":{p99:F0},\"raw_p50_ms\":{rawMedianP50:F0},\"raw_p99_ms\":{rawMedianP99:F0},\"ratio\":{p99 / rawMedianP99:F2}}}"));

static double[] Latencies(long start, long[] ends) => [.. ends.Select(end => TimeProvider.System.GetElapsedTime(start, end).TotalMilliseconds).Order()];

static double Percentile(double[] sorted, double fraction) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

static double Median(List<double> values) => Percentile([.. values.Order()], 0.5);

static async Task PublishRawAsync(MqttConnection connection, ArtifactChunks chunks, byte[] artifact)
{
    var inFlight = new List<Task>();
    for (var index = 0; index < chunks.Count; index++)
    {
        if (inFlight.Count == 8)
        {
            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            await done;
        }

        inFlight.Add(connection.PublishAsync($"bench/raw/{index}", chunks.Chunk(artifact, index), retain: false, CancellationToken.None));
    }

    await Task.WhenAll(inFlight);
}
