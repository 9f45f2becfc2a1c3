using System.Globalization;
using Pipeline.Ingest.Bench;
using Pipeline.TestSupport;

// bench/run.sh ingest [MESSAGES] [--embedded-only] — each measurement several times, medians printed, one JSON line last.
// --embedded-only measures the raw broker drain and the embedded drain alone: the quick loop for work on the embedded path.
var embeddedOnly = args.Contains("--embedded-only");
var numbers = args.Where(a => a != "--embedded-only").ToList();
var messages = numbers.Count > 0 ? int.Parse(numbers[0], CultureInfo.InvariantCulture) : 6000;
const int Repetitions = 3;
using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
using var work = new TemporaryFolder("bench-ingest");
await using var mosquitto = await MosquittoBroker.StartAsync(cancellationToken: cancel.Token);
await using var influx = await InfluxDbServer.StartAsync(cancel.Token);
var broker = mosquitto.ToOptions();
Console.WriteLine($"""
    ingest bench: {messages} QoS 1 motion batches of {MotionLoad.SamplesPerBatch} samples ({messages * (long)MotionLoad.SamplesPerBatch} samples) per run, {Repetitions} runs each, medians; mosquitto :{broker.Port}, influxd :{influx.Port}
    method:
      raw broker  the batches are queued on mosquitto for a stopped persistent mosquitto_sub session (QoS 1); the clock runs
                  from starting mosquitto_sub until it exits after the last one (its drain rate; output discarded)
      raw store   pre-built line-protocol files, 5000 points x 8 float fields (one point per sample), posted by one curl over one connection
      ours drain  like for like with the raw broker: the same batches are queued for ingest's persistent session while ingest
                  is stopped; with its services created (store and spill open), the clock runs from starting ingest (connect,
                  session resume) until it reports the last sample stored (decode, validate, batch, durable write; a metrics listener stops the clock).
                  JSON embedded/influx figures and ratios are these. Each embedded drain's timeline follows its figure.
      ours live   publishers in this same process send while ingest runs; the clock runs from the first publish to the last
                  sample stored. Bounded by what the publishers alone reach on the same cores (printed), so not like for like.
      warm-up     one raw broker drain and one embedded drain run first and are not counted, so that the figures are of a
                  running ingest, not of the JIT compiling its paths
      store busy  ingest's own store-write latency metric summed over a drain, as a share of it: near 100% means the
                  store is the limit; well below, the time went to receiving, decoding, batching and acknowledging
      ratios      embedded drain / raw broker drain; influx drain / min(raw broker drain, raw store)
    """);

var rawBroker = new List<double>();
var publishAlone = new List<double>();
var rawStore = new List<double>();
var drainEmbedded = new List<DrainMeasurement>();
var drainInflux = new List<DrainMeasurement>();
var drainInfluxSerial = new List<DrainMeasurement>();
var liveEmbedded = new List<double>();
var liveInflux = new List<double>();
// One drain of each kind first, not counted: the runs measure a running ingest, not the JIT compiling its receive, decode
// and write paths (in a cold process that took a third of the CPU time of the drains).
await RawBrokerDrain.MeasureSamplesPerSecondAsync(broker, MotionLoad.Create("rawwarm", messages, 10), cancel.Token);
await BacklogDrainIngest.MeasureAsync(broker, work.Combine("drain-warm-up"), [], () => MotionLoad.Create("dwarm", messages, 10), cancel.Token);
for (var r = 0; r < Repetitions; r++)
{
    var (drain, publish) = await RawBrokerDrain.MeasureSamplesPerSecondAsync(broker, MotionLoad.Create($"raw{r}", messages, 10), cancel.Token);
    rawBroker.Add(drain);
    publishAlone.Add(publish);
    drainEmbedded.Add(await BacklogDrainIngest.MeasureAsync(broker, work.Combine($"drain-embedded-{r}"), [], () => MotionLoad.Create($"demb{r}", messages, 10), cancel.Token));
    if (embeddedOnly)
    {
        continue;
    }

    rawStore.Add(await RawInfluxWrite.MeasureSamplesPerSecondAsync(influx.Url, work.Path, $"raw{r}", messages * (long)MotionLoad.SamplesPerBatch));
    drainInflux.Add(await BacklogDrainIngest.MeasureAsync(broker, work.Combine($"drain-influx-{r}"), InfluxSettings($"drain{r}"), () => MotionLoad.Create($"dinf{r}", messages, 10), cancel.Token));
    // The same with one /write request at a time, as before Influx:WriteConcurrency existed: the before/after of that change in one run.
    drainInfluxSerial.Add(await BacklogDrainIngest.MeasureAsync(broker, work.Combine($"drain-influx1-{r}"), [.. InfluxSettings($"drainserial{r}"), new("Influx:WriteConcurrency", "1")], () => MotionLoad.Create($"dins{r}", messages, 10), cancel.Token));
}

if (embeddedOnly)
{
    var rawOnly = Median(rawBroker);
    var embeddedAlone = Median([.. drainEmbedded.Select(m => m.SamplesPerSecond)]);
    Console.WriteLine($"(a) raw broker, mosquitto_sub drains a QoS 1 backlog: {Show(rawBroker)}");
    Console.WriteLine($"(c) ours drain, backlog to stored, embedded store:   {Show([.. drainEmbedded.Select(m => m.SamplesPerSecond)])}  ratio to raw broker {embeddedAlone / rawOnly:F2}");
    Console.WriteLine($"    {StoreShare(drainEmbedded)}");
    Console.WriteLine(Timelines(drainEmbedded));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"bench\":\"ingest\",\"embedded_samples_per_s\":{embeddedAlone:F0},\"raw_broker_samples_per_s\":{rawOnly:F0},\"ratio_embedded\":{embeddedAlone / rawOnly:F3},\"embedded_store_busy_share\":{Median([.. drainEmbedded.Select(m => m.StoreBusyShare)]):F2}}}"));
    return 0;
}

await using (var ingest = await EndToEndIngest.StartAsync(broker, work.Combine("embedded"), [], cancel.Token))
{
    for (var r = 0; r < Repetitions; r++)
    {
        liveEmbedded.Add(await ingest.MeasureSamplesPerSecondAsync(MotionLoad.Create($"emb{r}", messages, 10), cancel.Token));
    }
}

await using (var ingest = await EndToEndIngest.StartAsync(broker, work.Combine("influx"), InfluxSettings("pipeline"), cancel.Token))
{
    for (var r = 0; r < Repetitions; r++)
    {
        liveInflux.Add(await ingest.MeasureSamplesPerSecondAsync(MotionLoad.Create($"inf{r}", messages, 10), cancel.Token));
    }
}

var c = Median(rawBroker);
var d = Median(rawStore);
var a = Median([.. drainEmbedded.Select(m => m.SamplesPerSecond)]);
var b = Median([.. drainInflux.Select(m => m.SamplesPerSecond)]);
// The embedded store has no server: its path passes the broker alone. The influx path passes both.
var ratioEmbedded = a / c;
var ratioInflux = b / Math.Min(c, d);
var peakRssMb = PeakResidentMegabytes();
Console.WriteLine($"(a) raw broker, mosquitto_sub drains a QoS 1 backlog: {Show(rawBroker)}");
Console.WriteLine($"    our 4 publishers alone, QoS 1 into a queue:      {Show(publishAlone)}");
Console.WriteLine($"(b) raw store, curl bulk /write to influxd:          {Show(rawStore)}");
Console.WriteLine($"(c) ours drain, backlog to stored, embedded store:   {Show([.. drainEmbedded.Select(m => m.SamplesPerSecond)])}  ratio to raw broker {ratioEmbedded:F2}");
Console.WriteLine($"    {StoreShare(drainEmbedded)}");
Console.WriteLine(Timelines(drainEmbedded));
Console.WriteLine($"(c) ours drain, backlog to stored, influxd:          {Show([.. drainInflux.Select(m => m.SamplesPerSecond)])}  ratio to the smaller raw rate {ratioInflux:F2}");
Console.WriteLine($"    {StoreShare(drainInflux)}");
Console.WriteLine($"    the same, one /write at a time (before):         {Show([.. drainInfluxSerial.Select(m => m.SamplesPerSecond)])}  ratio {Median([.. drainInfluxSerial.Select(m => m.SamplesPerSecond)]) / Math.Min(c, d):F2}");
Console.WriteLine($"    {StoreShare(drainInfluxSerial)}");
Console.WriteLine($"    ours live, publish to stored, embedded store:    {Show(liveEmbedded)}  ratio to raw broker {Median(liveEmbedded) / c:F2} (bounded by the publishers alone)");
Console.WriteLine($"    ours live, publish to stored, influxd:           {Show(liveInflux)}  ratio to the smaller raw rate {Median(liveInflux) / Math.Min(c, d):F2}");
Console.WriteLine($"peak RSS of this process (ingest, publishers, bench): {peakRssMb:F0} MB");
Console.WriteLine($"mosquitto's database when the run ends (rewritten every second): {MosquittoDatabaseMegabytes():F1} MB");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"bench\":\"ingest\",\"embedded_samples_per_s\":{a:F0},\"influx_samples_per_s\":{b:F0},\"raw_broker_samples_per_s\":{c:F0},\"raw_store_samples_per_s\":{d:F0},\"ratio_embedded\":{ratioEmbedded:F3},\"ratio_influx\":{ratioInflux:F3},\"peak_rss_mb\":{peakRssMb:F0},\"live_embedded_samples_per_s\":{Median(liveEmbedded):F0},\"live_influx_samples_per_s\":{Median(liveInflux):F0},\"live_ratio_embedded\":{Median(liveEmbedded) / c:F3},\"live_ratio_influx\":{Median(liveInflux) / Math.Min(c, d):F3},\"publish_alone_samples_per_s\":{Median(publishAlone):F0},\"embedded_store_busy_share\":{Median([.. drainEmbedded.Select(m => m.StoreBusyShare)]):F2},\"influx_store_busy_share\":{Median([.. drainInflux.Select(m => m.StoreBusyShare)]):F2},\"influx_serial_writes_samples_per_s\":{Median([.. drainInfluxSerial.Select(m => m.SamplesPerSecond)]):F0}}}"));
return 0;

KeyValuePair<string, string?>[] InfluxSettings(string database) =>
    [new("Store:Backend", "influx"), new("Influx:Url", influx.Url.ToString()), new("Influx:Database", database), new("Influx:BlobFolder", work.Combine("blobs"))];

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string StoreShare(List<DrainMeasurement> drains) =>
    string.Create(CultureInfo.InvariantCulture,
        $"store busy writing: median {Median([.. drains.Select(m => m.StoreBusyShare * 100)]):F0}% of the drain (runs: {string.Join(", ", drains.Select(m => $"{m.StoreBusyShare * 100:F0}% in {m.StoreWrites} writes"))})");

static string Timelines(List<DrainMeasurement> drains) =>
    string.Join(Environment.NewLine, drains.Select((m, r) => $"    run {r + 1}: {m.Timeline}"));

static string Show(List<double> values) =>
    string.Create(CultureInfo.InvariantCulture, $"median {Median(values),10:N0} samples/s  (runs: {string.Join(", ", values.Select(v => v.ToString("N0", CultureInfo.InvariantCulture)))})");

double MosquittoDatabaseMegabytes()
{
    var database = new FileInfo(Path.Combine(mosquitto.DataFolder, "mosquitto.db"));
    return database.Exists ? database.Length / 1e6 : 0;
}

static double PeakResidentMegabytes()
{
    // VmHWM: the most resident memory this process ever had.
    var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
}
