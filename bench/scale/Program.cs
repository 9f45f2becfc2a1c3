using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Pipeline.Hosting.Mqtt;
using Pipeline.Ingest.Bench;
using Pipeline.Scale.Bench;
using Pipeline.TestSupport;

// bench/run.sh scale [SECONDS] — one JSON line last. "publish ..." is the child process that plays the devices of one size.
if (args is ["publish", var host, var port, var devicesText, var ticksText, var runTag, var publishTimesPath])
{
    var devices = int.Parse(devicesText, CultureInfo.InvariantCulture);
    var load = MotionLoad.Create(runTag, devices * int.Parse(ticksText, CultureInfo.InvariantCulture), devices);
    var publishedAt = await PacedPublisher.PublishAsync(new BrokerOptions { Host = host, Port = int.Parse(port, CultureInfo.InvariantCulture) }, load, devices, CancellationToken.None);
    await File.WriteAllBytesAsync(publishTimesPath, MemoryMarshal.AsBytes(publishedAt.AsSpan()).ToArray());
    return 0;
}

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 8;
int[] sizes = [1, 10, 100, 1000];
var ticks = (int)(TimeSpan.FromSeconds(seconds) / PacedPublisher.Tick);
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20));
using var work = new TemporaryFolder("bench-scale");
await using var mosquitto = await MosquittoBroker.StartAsync(cancellationToken: cancel.Token);
var broker = mosquitto.ToOptions();
Console.WriteLine($"""
    scale bench: each simulated golf club sends {1 / PacedPublisher.Tick.TotalSeconds:0} QoS 1 motion batches of {MotionLoad.SamplesPerBatch} samples a second (its real rate) for {seconds} s, through mosquitto :{broker.Port} into ingest with the embedded store
    method:
      devices    a child process plays them, sharing up to 16 MQTT connections, each with 100 publishes awaiting their PUBACK
      samples/s  samples stored over the time from the first publish until the store held the last sample (offered: devices x 500;
                 sent: what the devices managed, first to last publish)
      p99        publish-to-stored latency (the first size also carries the start-up: JIT compilation of the whole path): the k-th message published counts as stored when ingest's k-th message was stored
                 (its store write returned: durable, and its PUBACK goes out)
      rss        the peak resident memory of the ingest process (this one; the devices run apart) while the size ran
    """);

var results = new List<(int Devices, double SamplesPerSecond, double P99, double RssMb)>();
foreach (var devices in sizes)
{
    var clientId = $"bench-scale-{Guid.NewGuid():N}"[..24];
    var messages = devices * ticks;
    var samples = (long)messages * MotionLoad.SamplesPerBatch;
    using var ingest = IngestHost.Build(broker, work.Combine($"ingest-{devices}"), clientId, []);
    await IngestHost.StartAsync(ingest, cancel.Token);
    using var progress = new StoredProgress();
    var timesPath = work.Combine($"published-{devices}.bin");
    double rssMb;
    await using (var memory = new ResidentMemory())
    {
        await ExternalCommand.RunAsync(Environment.ProcessPath!,
            [typeof(PacedPublisher).Assembly.Location, "publish", broker.Host, broker.Port.ToString(CultureInfo.InvariantCulture), devices.ToString(CultureInfo.InvariantCulture),
                ticks.ToString(CultureInfo.InvariantCulture), $"scale{devices}", timesPath],
            TimeSpan.FromMinutes(5));
        await IngestHost.WaitForStoredAsync(ingest, samples, cancel.Token, TimeSpan.FromMinutes(5));
        rssMb = memory.PeakMegabytes;
    }

    await IngestHost.CheckStoredAsync(ingest, samples, cancel.Token);
    await ingest.StopAsync(cancel.Token);
    await BrokerSessions.DiscardAsync(broker, clientId);

    var publishedAt = MemoryMarshal.Cast<byte, long>(await File.ReadAllBytesAsync(timesPath, cancel.Token)).ToArray();
    var stored = progress.Points;
    var latencies = StoredProgress.Latencies(publishedAt, stored).Order().ToArray();
    var p99 = latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1];
    var samplesPerSecond = samples / Stopwatch.GetElapsedTime(publishedAt.Min(), stored[^1].Timestamp).TotalSeconds;
    // What the devices sent, to tell a store that falls behind from devices that could not send faster.
    var sentPerSecond = samples / Stopwatch.GetElapsedTime(publishedAt.Min(), publishedAt.Max()).TotalSeconds;
    results.Add((devices, samplesPerSecond, p99, rssMb));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{devices,5} devices: {samplesPerSecond,10:N0} samples/s stored (offered {devices * MotionLoad.SampleRateHz,9:N0}, sent {sentPerSecond,9:N0}), p99 {p99,8:N0} ms, median {latencies[latencies.Length / 2],8:N0} ms, ingest RSS {rssMb,5:F0} MB"));
}

Console.WriteLine();
Console.WriteLine("| devices | samples/s | offered samples/s | p99 publish-to-stored (ms) | ingest RSS (MB) |");
Console.WriteLine("|---:|---:|---:|---:|---:|");
foreach (var (devices, samplesPerSecond, p99, rssMb) in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {devices:N0} | {samplesPerSecond:N0} | {devices * MotionLoad.SampleRateHz:N0} | {p99:N0} | {rssMb:F0} |"));
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"scale\",\"devices\":[{string.Join(",", results.Select(r => r.Devices))}],\"samples_per_s\":[{string.Join(",", results.Select(r => r.SamplesPerSecond.ToString("F0", CultureInfo.InvariantCulture)))}],\"p99_ms\":[{string.Join(",", results.Select(r => r.P99.ToString("F0", CultureInfo.InvariantCulture)))}],\"rss_mb\":[{string.Join(",", results.Select(r => r.RssMb.ToString("F0", CultureInfo.InvariantCulture)))}]}}"));
return 0;
